"""Kill, delete and reschedule jobs through DIRAC's WMSClient, in bulk, with a per-job outcome.

DIRAC decides who may act on a job (its owner, or groups with job-administration rights); we never second
guess it, we only report its refusal clearly. Two DIRAC behaviours shape this module:

* ``rescheduleJob`` given a mixed list (some jobs refused) reschedules the allowed ones but then skips
  telling the optimizers about them, so they could sit in Received. Jobs are therefore sent in one call per
  owner: the caller's own jobs never share a call with someone else's.
* ``rescheduleJob`` answers OK even for a job that hit DIRAC's MaxRescheduling (it is set Failed again,
  "Maximum of reschedulings reached"), so the states are read back and such jobs reported as failed.
"""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib.job.outcome import Outcome, interpret
from BelleDIRAC.gbasf2.lib.job.status import FAILED, reschedulable, whyNotReschedulable

_FINAL_FOR_KILL = {"Done", "Failed", "Killed", "Deleted"}


def _wms():
    from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient

    return WMSClient()


def _byOwner(jobs: dict, me: str) -> list[list[int]]:
    """Job ID lists, the caller's own jobs first, one list per other owner."""
    groups: dict[str, list[int]] = {}
    for jobID, attrs in sorted(jobs.items()):
        groups.setdefault(attrs.get("Owner") or "", []).append(int(jobID))
    mine = groups.pop(me, [])
    return [ids for ids in [mine, *groups.values()] if ids]


def _merge(action: str, outcomes: list[Outcome]) -> Outcome:
    total = Outcome(action)
    for one in outcomes:
        total.done += one.done
        total.refused += one.refused
        total.invalid += one.invalid
        total.failed += one.failed
        total.skipped.update(one.skipped)
        total.reasons.update(one.reasons)
        total.error = total.error or one.error
    return total


def killOrDelete(action: str, jobs: dict, me: str) -> Outcome:
    """``action`` is ``kill`` or ``delete``; ``jobs`` is ``{jobID: attributes}`` from the collector."""
    wms = _wms()
    call = wms.killJob if action == "kill" else wms.deleteJob
    outcomes = [interpret(action, ids, call(ids)) for ids in _byOwner(jobs, me)]
    total = _merge(action, outcomes)
    if action == "kill":
        # DIRAC leaves finished jobs alone and just omits them from its answer: say so.
        handled = set(total.done) | set(total.refused) | set(total.invalid) | set(total.failed)
        for jobID, attrs in jobs.items():
            if int(jobID) not in handled and attrs.get("Status") in _FINAL_FOR_KILL:
                total.skipped[int(jobID)] = f"already {attrs.get('Status')}, nothing to kill"
    return total


def reschedule(jobs: dict, me: str, collector) -> Outcome:
    """Reschedule the reschedulable jobs of ``jobs``; others are reported as skipped."""
    wanted = {jobID: attrs for jobID, attrs in jobs.items() if reschedulable(attrs)}
    skipped = {int(jobID): whyNotReschedulable(attrs) for jobID, attrs in jobs.items() if jobID not in wanted}
    wms = _wms()
    outcomes = [interpret("reschedule", ids, wms.rescheduleJob(ids)) for ids in _byOwner(wanted, me)]
    total = _merge("reschedule", outcomes)
    total.skipped.update(skipped)
    if total.done:
        after = collector.getAttributes(total.done)
        if after["OK"]:
            stuck = [j for j, attrs in after["Value"].items() if attrs.get("Status") == FAILED]
            for jobID in stuck:
                total.reasons[jobID] = f"still Failed ({after['Value'][jobID].get('MinorStatus')})"
            total.failed += stuck
            total.done = [j for j in total.done if j not in stuck]
    return total
