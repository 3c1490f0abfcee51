"""Moves scouted primaries out of ``Scouting`` once their scouts have decided, in bulk.

Each cycle: read the jobs in Scouting with their ``ScoutID`` and the states of the named scouts, let
:func:`planScoutedSets` decide, then apply through :class:`ScoutedJobs`:

* release: status ``Checking / Scouting`` with the optimizer parameter ``ScoutVerdict = release`` (and
  ``ScoutCPUTime``, the CPU time the scouts measured, scaled by :func:`cpuRequirement`); the Scouting
  executor then lets the jobs continue to Waiting with that CPU time requirement;
* fail: status ``Failed`` with the scouts' reason as minor status; the jobs never reach a task queue.

Options: agent ``MaxPrimaries``, ``CPUTimeMargin``; policy under Operations ``WorkloadManagement/Scouting``.
"""

from __future__ import annotations

import time

from DIRAC import S_ERROR, S_OK
from DIRAC.ConfigurationSystem.Client.Helpers.Operations import Operations
from DIRAC.Core.Base.AgentModule import AgentModule
from DIRAC.WorkloadManagementSystem.DB.JobDB import JobDB
from DIRAC.WorkloadManagementSystem.DB.JobLoggingDB import JobLoggingDB
from DIRAC.WorkloadManagementSystem.DB.JobParametersDB import JobParametersDB

from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import (
    FAIL,
    RELEASE,
    ScoutPolicy,
    cpuRequirement,
    parseScoutID,
    planScoutedSets,
)
from BelleDIRAC.WorkloadManagementSystem.Utilities.ScoutedJobs import ScoutedJobs


def policyFromCS(ops: Operations) -> ScoutPolicy:
    section = "WorkloadManagement/Scouting"
    return ScoutPolicy(
        successFraction=float(ops.getValue(f"{section}/SuccessFraction", 0.3)),
        failureFraction=float(ops.getValue(f"{section}/FailureFraction", 0.5)),
        stalledIsFailure=str(ops.getValue(f"{section}/StalledIsFailure", True)).lower() in ("true", "yes", "1"),
        timeoutSeconds=float(ops.getValue(f"{section}/TimeoutHours", 6)) * 3600,
        onTimeout=ops.getValue(f"{section}/OnTimeout", "fail"),
        onGone=ops.getValue(f"{section}/OnGone", "fail"),
    )


class ScoutingJobStatusAgent(AgentModule):
    """Releases or fails primaries of scouted job sets."""

    def initialize(self):
        self.jobs = ScoutedJobs(JobDB(), JobLoggingDB(), source="ScoutingJobStatusAgent")
        self.parameters = JobParametersDB()
        self.maxPrimaries = self.am_getOption("MaxPrimaries", 200000)
        return S_OK()

    def execute(self):
        try:
            return self._cycle(policyFromCS(Operations()))
        except ValueError as exc:
            return S_ERROR(f"Bad Operations/WorkloadManagement/Scouting configuration: {exc}")
        except RuntimeError as exc:
            return S_ERROR(f"JobDB not usable, nothing moved this cycle: {exc}")

    def _cycle(self, policy: ScoutPolicy):
        started = time.monotonic()
        stranded = self.jobs.stranded(olderThan=self.am_getPollingTime())
        if stranded:
            self.log.notice("Released jobs handed to the optimizers again", f"{len(stranded)} (stopped mid-cycle)")
        primaries = self.jobs.held(limit=self.maxPrimaries)
        if not primaries:
            return S_OK()
        scouts = self.jobs.scouts(primaries)
        moved = {RELEASE: 0, FAIL: 0}
        for action, reason, jobs in planScoutedSets(primaries, scouts, time.time(), policy):
            if action == RELEASE:
                first = primaries[jobs[0]]
                cpu = self._cpuTime(parseScoutID(first["ScoutID"]), jobs[0], first["VO"])
                moved[action] += len(self.jobs.release(jobs, cpuTime=cpu))
            else:
                moved[action] += len(self.jobs.fail(jobs, f"Scouts failed: {reason}"))
        self.log.notice(
            "Scouting cycle",
            f"{len(primaries)} primaries, {moved[RELEASE]} released, {moved[FAIL]} failed "
            f"in {time.monotonic() - started:.1f} s",
        )
        return S_OK()

    def _cpuTime(self, scoutIDs: list[int], primary: int, vo: str) -> int | None:
        """The primaries' CPU time requirement from the scouts' normalised CPU time, if they reported one."""
        result = self.parameters.getJobParameters(scoutIDs, vo, ["NormCPUTime(s)"])
        if not result["OK"]:
            self.log.warn("No scout CPU times", result["Message"])
            return None
        used = [float(p["NormCPUTime(s)"]) for p in result["Value"].values() if p.get("NormCPUTime(s)") is not None]
        return cpuRequirement(
            used,
            scoutEvents=self.jobs.jdlOption(scoutIDs[0], "ScoutEvents"),
            primaryEvents=self.jobs.jdlOption(primary, "Events"),
            margin=float(self.am_getOption("CPUTimeMargin", 2.0)),
        )
