"""Replication rules of datasets for ``gb2_ds_rep``/``gb2_ds_rep_status``.

Rules are made and read through :class:`B2RucioDataManagement`; :func:`statusRows` is pure.
"""

from __future__ import annotations

from BelleDIRAC.DataManagementSystem.Client.rucio_rules import RULE_PENDING, RULE_STUCK
from BelleDIRAC.gbasf2.lib.ds.catalog import CatalogError


def targetsOf(lpn: str, lfns) -> list[str]:
    """What gets one rule each: the datablocks holding ``lfns`` (a single file asked for is its own)."""
    if list(lfns) == [lpn]:
        return [lpn]
    return sorted({lfn.rsplit("/", 1)[0] for lfn in lfns})


def rulesOf(dm, lpns) -> dict[str, list[str]]:
    """``{lpn: [rule IDs]}`` of every rule on each LPN (any account); unknown LPNs have none."""
    result = dm.listRules(list(lpns))
    if not result["OK"]:
        raise CatalogError(result["Message"])
    return {lpn: [rule["RuleID"] for rule in rules] for lpn, rules in result["Value"]["Successful"].items()}


def state(summary: dict) -> str:
    """``OK``, ``REPLICATING`` or ``STUCK``: the words of the status table."""
    if summary["State"] == "OK":
        return "OK"
    if summary["State"] in RULE_STUCK or summary.get("LocksStuck"):
        return "STUCK"
    return "REPLICATING" if summary["State"] in RULE_PENDING else str(summary["State"])


def statusRows(summaries: dict[str, dict]) -> list[dict]:
    """Rows ``{"LPN", "SE", "State", "FilesOK", "FilesTotal", "RuleID", "Error"}`` sorted by LPN and SE."""
    rows = []
    for ruleID, s in summaries.items():
        total = s.get("LocksOK", 0) + s.get("LocksReplicating", 0) + s.get("LocksStuck", 0)
        rows.append(
            {
                "LPN": s["LFN"],
                "SE": s["RSEExpression"],
                "State": state(s),
                "FilesOK": s.get("LocksOK", 0),
                "FilesTotal": total,
                "RuleID": ruleID,
                "Error": s.get("Error") or "",
            }
        )
    return sorted(rows, key=lambda r: (r["LPN"], r["SE"], r["RuleID"]))
