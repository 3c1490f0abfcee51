"""Belle II names: which LFNs are acceptable, which Rucio DID an LFN is, and how files fill datablocks.

One module, so that the JobManager's JDL checks, the catalog plugin and the gb2 tools apply the same
rules. Everything is pure: strings in, strings out.

* **LFN**: an absolute, normalized path below ``/belle/`` in a safe character set.
* **DID**: the name is the whole LFN; the scope follows the Belle II convention (Rucio's ``belleii``
  scope algorithm, as documented for gbasf2): see :func:`scopeOf`.
* **Datablocks**: files live in ``.../subNN`` directories of at most :data:`MAX_DATABLOCK_FILES` files
  (Rucio datasets); the directories above them are containers.
"""

from __future__ import annotations

import posixpath
import re

VO_ROOT = "/belle"
MAX_LFN_LENGTH = 1024
MAX_DATABLOCK_FILES = 1000
_LFN_CHARS = re.compile(r"^[A-Za-z0-9_.+=\-/]+$")
_DATABLOCK = re.compile(r"^sub(\d{2,})$")

# (first path elements after /belle, scope), most specific first; see scopeOf.
_MC_PROD = ("release", "BG", "build", "generic", "log", "mcprod", "prerelease")
_FIXED_SCOPES = [
    (("Raw",), "raw"),
    (("collection",), "collection"),
    (("BG",), "data"),
    (("mock",), "mock"),
    (("ddm",), "test"),
]


class LFNError(ValueError):
    """An LFN that must be refused; the message says why."""


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def stripLFNPrefix(lfn: str) -> str:
    return lfn[4:] if lfn[:4].upper() == "LFN:" else lfn


def validateLFN(lfn: str, placeholders: re.Pattern | None = None) -> str:
    """The LFN without an ``LFN:`` prefix, or :class:`LFNError` saying what is wrong with it.

    ``placeholders`` (a regex) marks parts filled in later, e.g. parametric ``%s``: they are checked as if
    they were a plain name.
    """
    path = stripLFNPrefix(lfn)
    concrete = placeholders.sub("X", path) if placeholders else path
    problem = None
    if len(path) > MAX_LFN_LENGTH:
        problem = f"longer than {MAX_LFN_LENGTH} characters"
    elif not concrete.startswith(VO_ROOT + "/"):
        problem = f"not below {VO_ROOT}/"
    elif not _LFN_CHARS.match(concrete):
        problem = "has characters outside [A-Za-z0-9_.+=-/]"
    elif "//" in concrete or concrete.endswith("/") or posixpath.normpath(concrete) != concrete:
        problem = "is not a normalized path (no '.', '..', '//' or trailing '/')"
    if problem:
        raise LFNError(f"LFN {_shorten(lfn)!r} {problem}")
    return path


def scopeOf(lfn: str, userScopes: frozenset[str] | set[str] = frozenset()) -> str:
    """The Rucio scope of a (valid) Belle II LFN.

    ``userScopes`` are the per-user/per-group scopes that exist (``user.alice``, ``group.charm``): a user's
    files go to their own scope where it exists, else to the shared ``user`` scope.
    """
    parts = stripLFNPrefix(lfn).strip("/").split("/")[1:]  # drop "belle"
    head = parts[0] if parts else ""
    second = parts[1] if len(parts) > 1 else ""
    if head == "MC":
        return "mc" if second.startswith(_MC_PROD) else "mc_tmp"
    if head == "Data":
        official = second.startswith("release") or (
            second == "proc" and len(parts) > 2 and parts[2].startswith("release")
        )
        return "data" if official else "data_tmp"
    if head.startswith("hRaw"):
        return "hraw"
    if head in ("user", "group"):
        # /belle/user/<u>/... or /belle/user/<initial>/<u>/...; /belle/group/<a>/<b>/...
        owner = parts[2] if head == "group" or (len(second) == 1 and len(parts) > 3) else second
        candidate = f"{head}.{owner}"
        return candidate if candidate in userScopes else head
    for prefix, scope in _FIXED_SCOPES:
        if tuple(parts[: len(prefix)]) == prefix:
            return scope
    return "other"


def lfnToDID(lfn: str, userScopes: frozenset[str] | set[str] = frozenset()) -> tuple[str, str]:
    """``(scope, name)`` of an LFN: the name is the whole LFN (validated)."""
    name = validateLFN(lfn)
    return scopeOf(name, userScopes), name


def datablockOf(path: str) -> str | None:
    """The datablock directory holding ``path`` (a file LFN) if its parent is ``.../subNN``, else None."""
    parent = posixpath.dirname(stripLFNPrefix(path))
    return parent if _DATABLOCK.match(posixpath.basename(parent)) else None


def datablockIndex(datablock: str) -> int:
    match = _DATABLOCK.match(posixpath.basename(datablock))
    if not match:
        raise LFNError(f"{datablock!r} is not a datablock (…/subNN)")
    return int(match.group(1))


def datablockName(dataset: str, index: int) -> str:
    return f"{dataset}/sub{index:02d}"


def assignDatablocks(dataset: str, counts: dict[str, int], nFiles: int, limit: int = MAX_DATABLOCK_FILES) -> list[str]:
    """Where ``nFiles`` new files of ``dataset`` go, given the current file count of each datablock.

    Files fill the highest existing datablock up to ``limit``; the next file opens ``sub<last+1>``. Earlier
    datablocks are never reopened, so a closed datablock stays closed (its replicas may be on tape).
    """
    indices = sorted(datablockIndex(d) for d in counts) or [0]
    current = indices[-1]
    used = counts.get(datablockName(dataset, current), 0)
    out = []
    for _ in range(nFiles):
        if used >= limit:
            current, used = current + 1, 0
        out.append(datablockName(dataset, current))
        used += 1
    return out


def containersAbove(datablock: str) -> list[str]:
    """The container LPNs from the VO root down to the datablock's dataset (not including the datablock)."""
    parts = stripLFNPrefix(datablock).strip("/").split("/")[:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]
