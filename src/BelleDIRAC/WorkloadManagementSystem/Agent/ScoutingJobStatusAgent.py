"""Moves scouted primaries out of ``Scouting`` once their scouts have decided, in bulk.

Each cycle: select the jobs in Scouting, read their ``ScoutID`` (stored by the Scouting optimizer as an
optimizer parameter) and the states of the named scouts, let :func:`planScoutedSets` decide, then apply:

* release: optimizer parameter ``ScoutVerdict = release``, status ``Checking / Scouting``, and the jobs are
  handed to the OptimizationMind, which sends them back through the Scouting optimizer and on to Waiting;
* fail: status ``Failed`` with the scouts' reason as minor status; the jobs never reach a task queue.

Status changes go through ``JobDB.setJobAttributes`` (DIRAC's state machine) and ``JobLoggingDB``, chunk
by chunk; a job leaves Scouting in the last statement, so a cycle killed half way is simply redone.
Options: agent ``MaxPrimaries``, ``ChunkSize``; policy under Operations ``WorkloadManagement/Scouting``.
"""

from __future__ import annotations

import time

from DIRAC import S_OK
from DIRAC.ConfigurationSystem.Client.Helpers.Operations import Operations
from DIRAC.Core.Base.AgentModule import AgentModule
from DIRAC.Core.DISET.MessageClient import MessageClient
from DIRAC.Core.Utilities import TimeUtilities
from DIRAC.Core.Utilities.List import breakListIntoChunks
from DIRAC.WorkloadManagementSystem.Client import JobStatus
from DIRAC.WorkloadManagementSystem.DB.JobDB import JobDB
from DIRAC.WorkloadManagementSystem.DB.JobLoggingDB import JobLoggingDB

from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import (
    FAIL,
    RELEASE,
    ScoutPolicy,
    parseScoutID,
    planScoutedSets,
)

SCOUT_ATTRIBUTES = ["Status", "MinorStatus", "ApplicationStatus", "Owner", "SubmissionTime"]


def policyFromCS(ops: Operations) -> ScoutPolicy:
    section = "WorkloadManagement/Scouting"
    return ScoutPolicy(
        successFraction=float(ops.getValue(f"{section}/SuccessFraction", 0.3)),
        failureFraction=float(ops.getValue(f"{section}/FailureFraction", 0.5)),
        stalledIsFailure=ops.getValue(f"{section}/StalledIsFailure", True),
        timeoutSeconds=float(ops.getValue(f"{section}/TimeoutHours", 6)) * 3600,
        onTimeout=ops.getValue(f"{section}/OnTimeout", "fail"),
        onGone=ops.getValue(f"{section}/OnGone", "fail"),
    )


class ScoutingJobStatusAgent(AgentModule):
    """Releases or fails primaries of scouted job sets."""

    def initialize(self):
        self.jobDB = JobDB()
        self.logDB = JobLoggingDB()
        self.maxPrimaries = self.am_getOption("MaxPrimaries", 200000)
        self.chunkSize = self.am_getOption("ChunkSize", 1000)
        return S_OK()

    def execute(self):
        policy = policyFromCS(Operations())
        result = self.jobDB.selectJobs({"Status": JobStatus.SCOUTING}, limit=self.maxPrimaries)
        if not result["OK"] or not result["Value"]:
            return result
        primaryIDs = [int(j) for j in result["Value"]]
        primaries = self._primaries(primaryIDs)
        scoutIDs = set()
        for info in primaries.values():
            try:
                scoutIDs.update(parseScoutID(info["ScoutID"]))
            except ValueError:
                pass
        scouts = self._attributes(sorted(scoutIDs), SCOUT_ATTRIBUTES)
        for info in scouts.values():
            info["SubmissionTime"] = TimeUtilities.toEpoch(TimeUtilities.fromString(info["SubmissionTime"]))
        plan = planScoutedSets(primaries, scouts, time.time(), policy)
        moved = {RELEASE: 0, FAIL: 0}
        for action, reason, jobs in plan:
            for chunk in breakListIntoChunks(jobs, self.chunkSize):
                result = self._release(chunk) if action == RELEASE else self._fail(chunk, reason)
                if not result["OK"]:
                    self.log.error(f"Cannot {action} primaries", f"{chunk[0]}..: {result['Message']}")
                    continue
                moved[action] += len(chunk)
        self.log.notice(
            "Scouting cycle", f"{len(primaryIDs)} primaries, {moved[RELEASE]} released, {moved[FAIL]} failed"
        )
        return S_OK()

    def _attributes(self, jobIDs: list[int], names: list[str]) -> dict[int, dict]:
        out = {}
        for chunk in breakListIntoChunks(jobIDs, 10000):
            result = self.jobDB.getJobsAttributes(chunk, list(names))
            if result["OK"]:
                out.update({int(j): v for j, v in result["Value"].items()})
        return out

    def _primaries(self, jobIDs: list[int]) -> dict[int, dict]:
        """``{jobID: {"ScoutID", "Owner"}}``: ScoutID as the optimizer stored it, in one query per chunk."""
        owners = self._attributes(jobIDs, ["Owner"])
        out = {j: {"ScoutID": "", "Owner": owners.get(j, {}).get("Owner")} for j in jobIDs}
        for chunk in breakListIntoChunks(jobIDs, 10000):
            ids = ",".join(str(int(j)) for j in chunk)
            result = self.jobDB._query(
                f"SELECT JobID, Value FROM OptimizerParameters WHERE Name='ScoutID' AND JobID IN ({ids})"
            )
            for jid, value in result.get("Value", ()):
                out[int(jid)]["ScoutID"] = value
        return out

    def _setStatus(self, jobs: list[int], status: str, minor: str):
        """Move the jobs of ``jobs`` that are still in Scouting (one killed meanwhile keeps its status)."""
        result = self.jobDB.selectJobs({"Status": JobStatus.SCOUTING, "JobID": jobs})
        if not result["OK"] or not result["Value"]:
            return result
        jobs = [int(j) for j in result["Value"]]
        result = self.jobDB.setJobAttributes(jobs, ["Status", "MinorStatus"], [status, minor], update=True)
        if not result["OK"]:
            return result
        return self.logDB.addLoggingRecord(jobs, status, minor, source="ScoutingJobStatusAgent")

    def _release(self, jobs: list[int]):
        rows = [(j, "ScoutVerdict", RELEASE) for j in jobs]
        result = self.jobDB._updatemany(
            "INSERT INTO OptimizerParameters (JobID, Name, Value) VALUES (%s, %s, %s) "
            "ON DUPLICATE KEY UPDATE Value=VALUES(Value)",
            rows,
        )
        if not result["OK"]:
            return result
        result = self._setStatus(jobs, JobStatus.CHECKING, "Scouting")
        if result["OK"]:
            self._optimize(jobs)
        return result

    def _fail(self, jobs: list[int], reason: str):
        return self._setStatus(jobs, JobStatus.FAILED, f"Scouts failed: {reason}"[:128])

    def _optimize(self, jobs: list[int]) -> None:
        """Hand released jobs to the OptimizationMind now (it would otherwise find them on its next scan)."""
        client = MessageClient("WorkloadManagement/OptimizationMind")
        result = client.connect(JobManager=True)
        if result["OK"]:
            msg = client.createMessage("OptimizeJobs")
            if msg["OK"]:
                msg["Value"].jids = list(jobs)
                result = client.sendMessage(msg["Value"])
        if not result["OK"]:
            self.log.warn("OptimizationMind not told; it will pick the jobs up on its next scan", result["Message"])
