"""Pure decisions of :class:`.B2RucioDataManagement`: destinations, rule summaries, dataset listings.

Strings and dictionaries in, the same out: no Rucio client, so every rule is unit-tested.
"""

from __future__ import annotations

import re

from BelleDIRAC.Resources.Catalog.rucio_plan import normalizeAdler32

_SE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
PRODUCTION_GROUPS = ("belle_prod", "belle_admin")

# Rucio rule states (RuleState) grouped by what a caller does next.
RULE_DONE, RULE_PENDING, RULE_STUCK = "OK", ("REPLICATING", "INJECT", "WAITING_APPROVAL"), ("STUCK", "SUSPENDED")


class DestinationError(ValueError):
    """A destination that must be refused before anything reaches Rucio; the message says why."""


def rseExpression(destination) -> str:
    """The Rucio RSE expression for ``destination``: one SE name or a list of them (any of which will do).

    Only plain SE names are accepted: a caller-supplied expression could select every RSE (``*``) or
    subtract the one an operator banned, so expressions are built here and nowhere else.
    """
    names = [destination] if isinstance(destination, str) else list(destination or [])
    names = [n.strip() for n in names if isinstance(n, str) and n.strip()] if names else []
    if not names:
        raise DestinationError("no destination SE given")
    bad = [n for n in names if not _SE_NAME.match(n)]
    if bad:
        raise DestinationError(f"not an SE name: {', '.join(repr(b) for b in bad)}")
    return "|".join(sorted(set(names), key=names.index))


def activityFor(group: str) -> str:
    """Rucio activity of transfers a DIRAC group asks for: production output or analysis output."""
    return "Production Output" if group in PRODUCTION_GROUPS else "Analysis Output"


def ruleSummary(rule: dict) -> dict:
    """What a DIRAC component needs from a Rucio rule, with DIRAC-style keys."""
    return {
        "RuleID": rule["id"],
        "LFN": rule["name"],
        "State": str(rule["state"]),
        "RSEExpression": rule["rse_expression"],
        "Account": str(rule["account"]),
        "Copies": rule.get("copies", 1),
        "LocksOK": rule.get("locks_ok_cnt", 0),
        "LocksReplicating": rule.get("locks_replicating_cnt", 0),
        "LocksStuck": rule.get("locks_stuck_cnt", 0),
        "Error": rule.get("error") or "",
        "ExpiresAt": rule.get("expires_at"),
        "Activity": rule.get("activity"),
    }


def ruleProgress(summary: dict) -> str:
    """``Done``, ``Pending`` or ``Stuck``: what a rule means for an operation waiting on it."""
    if summary["State"] == RULE_DONE:
        return "Done"
    return "Stuck" if summary["State"] in RULE_STUCK or summary["LocksStuck"] else "Pending"


def datasetFiles(replicas) -> dict[str, dict]:
    """``{lfn: {"Size", "Checksum", "Replicas": {se: pfn}}}`` from ``list_replicas`` of a dataset.

    Only AVAILABLE replicas are listed: a copy still being written is not one a job may read.
    """
    out = {}
    for rep in replicas:
        states = rep.get("states") or {}
        out[rep["name"]] = {
            "Size": rep.get("bytes") or 0,
            "Checksum": normalizeAdler32(rep.get("adler32")) or "",
            "Replicas": {
                rse: pfns[0] for rse, pfns in (rep.get("rses") or {}).items() if pfns and states.get(rse) == "AVAILABLE"
            },
        }
    return dict(sorted(out.items()))


def replicatedTo(replicas: dict[str, dict], targets: list[str]) -> set[str]:
    """LFNs of a ``getReplicas`` answer that already have an available replica at every target SE."""
    return {lfn for lfn, ses in replicas.items() if set(targets) <= set(ses)}
