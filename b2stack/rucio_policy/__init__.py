"""The stack's Rucio policy package: Belle II naming on the server, so Rucio and BelleDIRAC agree.

Rucio loads it by name (``[policy] package`` in the server's rucio.cfg, module path on PYTHONPATH) and
registers what :func:`get_algorithms` returns:

* scope extraction ``belleii``: the scope of an LFN is :func:`lfn_naming.scopeOf` (the one rule the
  catalog plugin and the gb2 tools use too), with the per-user scopes that exist; ``scope:name`` stays
  explicit. Rucio's generic ``dirac`` rule would give upper-case scopes (``MC``) that Belle II does not use.
* LFN to PFN ``belleii``: the path below an RSE's prefix is the LFN itself, which is exactly where DIRAC's
  File SE of the same name keeps the file; so DIRAC and Rucio see the same bytes.

Permissions and schema are Rucio's generic ones, except the few decisions in :mod:`.permission`.
"""

from __future__ import annotations

SUPPORTED_VERSION = [">=41.0", "<42.0"]


def extract_scope_belleii(did: str, scopes=None) -> tuple[str, str]:
    """``(scope, name)`` of ``did``: explicit ``scope:name``, else the Belle II scope of the LFN."""
    if ":" in did:
        scope, name = did.split(":", 1)
        return scope, name
    from rucio.common.exception import InvalidObject

    from BelleDIRAC.Resources.Catalog import lfn_naming

    if did.rstrip("/") == lfn_naming.VO_ROOT:
        return "other", lfn_naming.VO_ROOT  # the VO's top container (DIRAC's helpers walk up to it)
    user_scopes = {s for s in (scopes or ()) if s.startswith(("user.", "group."))}
    try:
        return lfn_naming.lfnToDID(did.rstrip("/"), user_scopes)
    except lfn_naming.LFNError as exc:
        raise InvalidObject(str(exc)) from None  # a 4xx naming the problem, not a server error


def lfn2pfn_belleii(scope: str, name: str, rse: str, rse_attrs: dict, protocol_attrs: dict) -> str:
    """The path below the protocol prefix: the LFN without its leading slash (DIRAC's File SE layout)."""
    return name.lstrip("/")


def get_algorithms() -> dict:
    return {"scope": {"belleii": extract_scope_belleii}, "lfn2pfn": {"belleii": lfn2pfn_belleii}}
