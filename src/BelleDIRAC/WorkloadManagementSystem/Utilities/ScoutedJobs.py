"""Reading and moving the primaries of scouted job sets in JobDB, shared by the agent and the JobManager.

The decisions are in :mod:`scout_verdict`; this module only reads what they need and applies them, in
bulk. A job leaves ``Scouting`` in the last statement of a move, and only jobs still in ``Scouting``
are moved, so a move interrupted half way (agent killed, service restarted) is simply redone on the
next cycle, and a job is never moved twice nor out of a status someone else gave it meanwhile.
"""

from __future__ import annotations

import datetime

from DIRAC import S_OK, gLogger
from DIRAC.Core.DISET.MessageClient import MessageClient
from DIRAC.Core.Utilities import TimeUtilities
from DIRAC.Core.Utilities.ClassAd.ClassAdLight import ClassAd
from DIRAC.Core.Utilities.List import breakListIntoChunks
from DIRAC.WorkloadManagementSystem.Client import JobStatus

from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import RELEASE, parseScoutID

SCOUT_ATTRIBUTES = ["Status", "MinorStatus", "ApplicationStatus", "Owner", "SubmissionTime"]
PRIMARY_ATTRIBUTES = ["Owner", "OwnerGroup", "JobGroup", "VO"]
QUERY_CHUNK = 10000


class ScoutedJobs:
    """Primaries held in Scouting and their scouts, as JobDB sees them."""

    def __init__(self, jobDB, jobLoggingDB, source: str):
        self.jobDB, self.logDB, self.source = jobDB, jobLoggingDB, source
        self.log = gLogger.getSubLogger("ScoutedJobs")

    def attributes(self, jobIDs: list[int], names: list[str]) -> dict[int, dict]:
        out = {}
        for chunk in breakListIntoChunks(sorted(jobIDs), QUERY_CHUNK):
            result = self.jobDB.getJobsAttributes(chunk, list(names))
            if not result["OK"]:
                raise RuntimeError(result["Message"])
            out.update({int(j): v for j, v in result["Value"].items()})
        return out

    def held(self, limit: int = 0, jobIDs: list[int] | None = None) -> dict[int, dict]:
        """``{jobID: {"ScoutID", "Owner", "OwnerGroup", "JobGroup", "VO"}}`` of jobs in Scouting (or of ``jobIDs``
        among them). ``ScoutID`` is the optimizer parameter the Scouting executor stored: one query per
        chunk instead of parsing every JDL."""
        cond = {"Status": JobStatus.SCOUTING}
        if jobIDs is not None:
            cond["JobID"] = [int(j) for j in jobIDs] or [0]
        result = self.jobDB.selectJobs(cond, limit=limit)
        if not result["OK"]:
            raise RuntimeError(result["Message"])
        ids = [int(j) for j in result["Value"]]
        out = {j: {"ScoutID": "", **attrs} for j, attrs in self.attributes(ids, PRIMARY_ATTRIBUTES).items()}
        for chunk in breakListIntoChunks(ids, QUERY_CHUNK):
            inList = ",".join(str(j) for j in chunk)
            result = self.jobDB._query(
                f"SELECT JobID, Value FROM OptimizerParameters WHERE Name='ScoutID' AND JobID IN ({inList})"
            )
            if not result["OK"]:
                raise RuntimeError(result["Message"])
            for jid, value in result["Value"]:
                if int(jid) in out:
                    out[int(jid)]["ScoutID"] = value
        # The optimizer commits the status before its parameters: a job seen in between has no ScoutID
        # parameter yet, so it is read from the JDL (which is where the parameter comes from).
        for jid in [j for j, info in out.items() if not info["ScoutID"]]:
            result = self.jobDB.getJobJDL(jid)
            if result["OK"] and result["Value"]:
                out[jid]["ScoutID"] = ClassAd(result["Value"]).getAttributeString("ScoutID") or ""
        return out

    def scouts(self, primaries: dict[int, dict]) -> dict[int, dict]:
        """The states of every scout named by ``primaries`` that still exists (``SubmissionTime`` in epoch s)."""
        ids = set()
        for info in primaries.values():
            try:
                ids.update(parseScoutID(info["ScoutID"]))
            except ValueError:
                pass
        states = self.attributes(sorted(ids), SCOUT_ATTRIBUTES)
        for info in states.values():
            info["SubmissionTime"] = TimeUtilities.toEpoch(TimeUtilities.fromString(info["SubmissionTime"]))
        return states

    def jdlOption(self, jobID: int, name: str, default: int = 0) -> int:
        result = self.jobDB.getJobJDL(jobID)
        if not result["OK"] or not result["Value"]:
            return default
        return ClassAd(result["Value"]).getAttributeInt(name) or default

    def _move(self, jobs: list[int], status: str, minor: str) -> list[int]:
        result = self.jobDB.selectJobs({"Status": JobStatus.SCOUTING, "JobID": jobs})
        if not result["OK"]:
            raise RuntimeError(result["Message"])
        jobs = [int(j) for j in result["Value"]]
        if not jobs:
            return []
        # DIRAC's JobDB writes Status and MinorStatus in two statements (Status first). Writing the minor status
        # on its own first means a process killed in between leaves the job in Scouting, where the next cycle
        # finds and moves it again; the other order would leave it Checking with the held minor status,
        # which no optimizer dispatches.
        for names, values in ((["MinorStatus"], [minor]), (["Status"], [status])):
            result = self.jobDB.setJobAttributes(jobs, names, values, update=True)
            if not result["OK"]:
                raise RuntimeError(result["Message"])
        result = self.logDB.addLoggingRecord(jobs, status, minor, source=self.source)
        if not result["OK"]:
            self.log.warn("Jobs moved but not logged", f"{jobs[0]}..: {result['Message']}")
        return jobs

    def _setOptParameter(self, jobs: list[int], name: str, value) -> None:
        result = self.jobDB._updatemany(
            "INSERT INTO OptimizerParameters (JobID, Name, Value) VALUES (%s, %s, %s) "
            "ON DUPLICATE KEY UPDATE Value=VALUES(Value)",
            [(j, name, str(value)) for j in jobs],
        )
        if not result["OK"]:
            raise RuntimeError(result["Message"])

    def release(self, jobs: list[int], minor: str = "Scouting", cpuTime: int | None = None) -> list[int]:
        """Send ``jobs`` back to the Scouting executor with the verdict (and the CPU time scouts measured)."""
        moved = []
        for chunk in breakListIntoChunks(jobs, 1000):
            self._setOptParameter(chunk, "ScoutVerdict", RELEASE)
            if cpuTime:
                self._setOptParameter(chunk, "ScoutCPUTime", cpuTime)
            done = self._move(chunk, JobStatus.CHECKING, minor)
            moved += done
            optimizeNow(done)
        return moved

    def stranded(self, olderThan: float) -> list[int]:
        """Released jobs the OptimizationMind was never told about (the agent stopped between the status
        change and the message), in Checking/Scouting for more than ``olderThan`` seconds: told again.

        Without this they would wait for the Mind's own rescan (``LoadJobPeriod``, 300 s)."""
        older = TimeUtilities.toString(datetime.datetime.utcnow() - datetime.timedelta(seconds=olderThan))
        cond = {"Status": JobStatus.CHECKING, "MinorStatus": "Scouting"}
        result = self.jobDB.selectJobs(cond, older=older, limit=QUERY_CHUNK)
        if not result["OK"]:
            raise RuntimeError(result["Message"])
        jobs = [int(j) for j in result["Value"]]
        optimizeNow(jobs)
        return jobs

    def fail(self, jobs: list[int], reason: str) -> list[int]:
        moved = []
        for chunk in breakListIntoChunks(jobs, 1000):
            moved += self._move(chunk, JobStatus.FAILED, reason[:128])
        return moved


_MIND: MessageClient | None = None


def optimizeNow(jobs: list[int]) -> None:
    """Hand released jobs to the OptimizationMind now; it would otherwise find them on its next scan
    (it loads jobs in ``Checking`` whose minor status names an executor: ``Scouting`` does).

    The connection is kept, as DIRAC's JobManager keeps its own: messages are sent asynchronously and a
    client closed right after sending may drop them.
    """
    global _MIND
    if not jobs:
        return
    if _MIND is None:
        _MIND = MessageClient("WorkloadManagement/OptimizationMind")
    result = S_OK() if _MIND.connected else _MIND.connect(JobManager=True)
    if result["OK"]:
        result = _MIND.createMessage("OptimizeJobs")
        if result["OK"]:
            result["Value"].jids = sorted(jobs)
            result = _MIND.sendMessage(result["Value"])
    if not result["OK"]:
        gLogger.warn("OptimizationMind not told; it picks the jobs up on its next scan", result["Message"])
