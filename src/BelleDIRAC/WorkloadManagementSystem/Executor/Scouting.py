"""The Scouting optimizer: primaries of a scouted job set wait in ``Scouting`` instead of reaching Waiting.

A primary names its scouts with the JDL attribute ``ScoutID`` (``"first:last"``). This executor, placed
after JobSanity in ``Executors/JobPath/BasePath``, holds such a job in status ``Scouting``; the
ScoutingJobStatusAgent later either fails it or sends it back to ``Checking/Scouting`` with the optimizer
parameter ``ScoutVerdict = release``, and this executor then lets it continue down the chain, asking
for the CPU time the scouts measured (``ScoutCPUTime``) when the agent stored one. Jobs
without ``ScoutID`` (scouts themselves, and every job submitted with ``--noscout``) pass untouched.
"""

from DIRAC import S_ERROR, S_OK
from DIRAC.WorkloadManagementSystem.Executor.Base.OptimizerExecutor import OptimizerExecutor

from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import RELEASE, parseScoutID

SCOUTING = "Scouting"


class Scouting(OptimizerExecutor):
    """Hold primaries whose scouts have not yet given a verdict."""

    def optimizeJob(self, jid, jobState):
        result = jobState.getManifest()
        if not result["OK"]:
            return result
        scoutID = result["Value"].getOption("ScoutID", "")
        if not scoutID:
            return self.setNextOptimizer(jobState)
        try:
            scouts = parseScoutID(scoutID)
        except ValueError as exc:
            return S_ERROR(str(exc))
        if int(jid) in scouts:
            return S_ERROR(f"job {jid} names itself as its own scout")
        verdict = jobState.getOptParameter("ScoutVerdict")
        if verdict["OK"] and verdict["Value"] == RELEASE:
            self.jobLog.info("Scouts passed, continuing", f"scouts {scoutID}")
            result = self._applyScoutCPUTime(jobState)
            if not result["OK"]:
                return result
            return self.setNextOptimizer(jobState)
        self.jobLog.info("Holding for scouts", scoutID)
        # The agent finds every held job's scouts in one query on this parameter, not in each JDL.
        jobState.setOptParameter("ScoutID", scoutID)
        waitingMinor = self.ex_getOption("WaitingMinorStatus", "Waiting for Scout Job Completion")
        return jobState.setStatus(SCOUTING, waitingMinor, source=self.ex_optimizerName())

    def _applyScoutCPUTime(self, jobState):
        """Ask for the CPU time the scouts measured (set by the agent), so JobScheduling picks fitting queues."""
        cpu = jobState.getOptParameter("ScoutCPUTime")
        if not cpu["OK"] or not str(cpu["Value"]).isdigit():
            return S_OK()
        result = jobState.getManifest()
        if not result["OK"]:
            return result
        manifest = result["Value"]
        # the task queue is chosen from JobRequirements (written at submission), the JDL shows CPUTime
        manifest.setOption("CPUTime", int(cpu["Value"]))
        if manifest.getSection("JobRequirements")["OK"]:
            manifest.setOption("JobRequirements/CPUTime", int(cpu["Value"]))
        self.jobLog.info("CPU time requirement from scouts", cpu["Value"])
        return jobState.setManifest(manifest)
