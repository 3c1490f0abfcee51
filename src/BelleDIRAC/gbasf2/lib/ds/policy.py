"""Who may write or delete what, decided before anything reaches the catalog or a storage. Pure.

The Rucio server enforces scope ownership too; these checks exist so that a user gets a clear refusal
that names the rule, instead of a half-done operation and a permission error per file:

* Uploads and new replicas go only to SEs with ``TMP`` in the name (user data are purged there
  periodically; ``DATA`` SEs are for official production).
* Users write and delete only below their own ``/belle/user/<user>/<something>``, or in group space
  ``/belle/group/...`` (where the server checks the group role). Official data (``/belle/MC``,
  ``/belle/Data``), raw data and collections are never touched, and neither is a whole user space.
"""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib.ds.query import splitPattern

PROTECTED = ("/belle/MC", "/belle/Data", "/belle/Raw", "/belle/hRaw", "/belle/collection")


class PolicyError(ValueError):
    """An operation that must be refused; the message says which rule."""


def checkTmpSE(se: str) -> str:
    if not se or "TMP" not in se.upper():
        raise PolicyError(f"{se!r} is not a TMP storage element: user data may only go to SEs with TMP in the name")
    return se


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def checkWritable(lpn: str, user: str, what: str = "write to") -> str:
    """``lpn`` (wildcards allowed for deletion) if ``user`` may change it, else :class:`PolicyError`."""
    prefix, rest = splitPattern(lpn)
    for protected in PROTECTED:
        if _under(prefix, protected) or lpn.startswith(protected):
            raise PolicyError(f"cannot {what} {lpn}: {protected} is official data, not user space")
    own = f"/belle/user/{user}"
    if prefix.startswith("/belle/group/"):
        return lpn
    if not _under(prefix, own):
        raise PolicyError(f"cannot {what} {lpn}: only your own space {own}/... (or group space) is allowed")
    if prefix == own and not rest:
        raise PolicyError(f"cannot {what} your whole user space {own}: name a project or a path below it")
    return lpn


def splitTarget(lpn: str, datablock: str | None) -> tuple[str, str | None]:
    """``(dataset, datablock name or None)`` of a ``gb2_ds_put`` target: a target ending in ``subNN`` is
    that datablock of its parent (same as ``--datablock subNN``); giving both differently is an error."""
    head, _sep, last = lpn.rpartition("/")
    if last.startswith("sub") and last[3:].isdigit() and len(last) >= 5:
        if datablock and datablock != last:
            raise PolicyError(f"target {lpn} is datablock {last} but --datablock {datablock} was given")
        return head, last
    if datablock and not (datablock.startswith("sub") and datablock[3:].isdigit() and len(datablock) >= 5):
        raise PolicyError(f"--datablock {datablock!r} is not a datablock name (sub00, sub01, ...)")
    return lpn, datablock
