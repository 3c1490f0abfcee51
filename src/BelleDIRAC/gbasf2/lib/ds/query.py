"""What a dataset query means, before any catalog is asked. Pure: strings in, strings out.

A query is an LPN (dataset, datablock or file) that may hold ``*``/``?`` wildcards in any component after
``/belle``, e.g. b2luigi's ``/belle/user/alice/proj/sub*/ntuple_*.root``. It is answered by listing the
longest concrete prefix and matching one component per level (:mod:`.expand`), so a wildcard never makes
the catalog list more than the directories the pattern can reach.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re

from BelleDIRAC.Resources.Catalog import lfn_naming

WILDCARDS = re.compile(r"[*?]")
RAW_REFUSAL = (
    "raw data ({}) cannot be downloaded with gb2 tools: random tape reads block data taking and"
    " production. Please ask Data Production (comp-users-forum) for the files you need."
)


class QueryError(ValueError):
    """A query that must be refused; the message says why."""


def hasWildcard(text: str) -> bool:
    return bool(WILDCARDS.search(text))


def splitPattern(path: str) -> tuple[str, list[str]]:
    """``(concrete prefix, remaining components)``: the prefix is listed, the components are matched.

    ``/belle/user/a/p/sub*/x_*.root`` -> ``("/belle/user/a/p", ["sub*", "x_*.root"])``; a query without
    wildcards is its own prefix with nothing left to match.
    """
    parts = path.rstrip("/").split("/")
    for index, part in enumerate(parts):
        if hasWildcard(part):
            if index < 2:
                raise QueryError(f"{path!r}: wildcards are allowed only below /belle")
            return "/".join(parts[:index]), parts[index:]
    return path.rstrip("/"), []


def matches(name: str, component: str) -> bool:
    """Whether the last element of ``name`` (an LFN) matches one pattern component (case-sensitive)."""
    return fnmatch.fnmatchcase(posixpath.basename(name), component)


def isRaw(lpn: str) -> bool:
    """``/belle/Raw/...`` or ``/belle/hRaw...`` (the scopes ``raw`` and ``hraw``)."""
    parts = lpn.strip("/").split("/")
    return len(parts) > 1 and parts[0] == "belle" and (parts[1] == "Raw" or parts[1].startswith("hRaw"))


def refuseRaw(lpn: str) -> None:
    """Raise :class:`QueryError` for raw data, including a wildcard that could reach it (``/belle/*``)."""
    prefix, rest = splitPattern(lpn)
    reachable = isRaw(lpn) or isRaw(prefix) or (rest and prefix == lfn_naming.VO_ROOT and matchesRaw(rest[0]))
    if reachable:
        raise QueryError(RAW_REFUSAL.format(lpn))


def matchesRaw(component: str) -> bool:
    return any(fnmatch.fnmatchcase(name, component) for name in ("Raw", "hRaw"))


def localPath(lfn: str) -> str:
    """Where ``gb2_ds_get`` puts a file, relative to the working directory: ``<dataset>/<subXX>/<name>``.

    ``<dataset>`` is the last element of the directory above the datablock: b2luigi looks for the first
    directory holding ``sub*`` entries and reads ``sub*/*.root`` there, so files sit directly in ``subXX``.
    """
    block = lfn_naming.datablockOf(lfn)
    if not block:
        raise QueryError(f"{lfn} is not in a datablock (…/subXX/<file>)")
    dataset = posixpath.dirname(block)
    return posixpath.join(posixpath.basename(dataset), posixpath.basename(block), posixpath.basename(lfn))


def readLFNList(text: str) -> list[str]:
    """LFNs/LPNs of an ``--input_dslist`` or ``--failed_lfns`` file: one per line, blanks and ``#`` comments
    ignored, an ``LFN:`` prefix and surrounding whitespace dropped, order kept, duplicates removed."""
    out: dict[str, None] = {}
    for line in text.splitlines():
        item = line.split("#", 1)[0].strip()
        if item:
            out[lfn_naming.stripLFNPrefix(item).rstrip("/")] = None
    return list(out)


def formatLFNList(lfns) -> str:
    """The ``--failed_lfns`` file content: one LFN per line; empty (zero bytes) when nothing failed, since
    b2luigi counts a lone newline as one failed entry."""
    lfns = sorted(set(lfns))
    return "".join(f"{lfn}\n" for lfn in lfns)


def restrictTo(lfns, listed) -> list[str]:
    """The LFNs of a query that an ``--input_dslist`` names, directly or through a datablock/dataset LPN
    above them (the file is the intersection: the list never widens what the query selects)."""
    listed = set(listed)
    out = []
    for lfn in lfns:
        parents = {lfn}
        path = lfn
        while "/" in path.strip("/"):
            path = posixpath.dirname(path)
            parents.add(path)
        if parents & listed:
            out.append(lfn)
    return out
