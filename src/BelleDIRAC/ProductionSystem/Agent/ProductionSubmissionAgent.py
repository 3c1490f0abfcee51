"""ProductionSubmissionAgent: submits the tasks of Active productions, sharing a capacity by priority.

Each cycle: how many jobs each production has in flight and waiting (one statistics call per transformation),
the share of the ``Capacity`` each may fill (``rate_share.share``: proportional to priority, never starving a
low-priority production), then per production claims of ``BulkSize`` tasks (``claimTasks``: no other agent
can take them), each submitted as parametric jobs (one ``submitJob`` per set of alike tasks, where DIRAC's
WorkflowTaskAgent makes one call per task) and confirmed at once. A claim its agent never confirmed (the
agent died) is recovered by looking the jobs up by name first, so a task is never submitted twice.
"""

from __future__ import annotations

from DIRAC import S_OK
from DIRAC.ConfigurationSystem.Client.Helpers.Operations import Operations

from BelleDIRAC.ProductionSystem.Agent.ProductionAgentBase import FINAL_TASK_STATES, ProductionAgentBase
from BelleDIRAC.ProductionSystem.Utilities import jobs
from BelleDIRAC.ProductionSystem.Utilities.rate_share import Demand, share

NOT_IN_FLIGHT = ("Created", *FINAL_TASK_STATES)


class ProductionSubmissionAgent(ProductionAgentBase):
    def initialize(self):
        self.bulkSize = self.am_getOption("BulkSize", 1000)
        self.claimTimeout = self.am_getOption("ClaimTimeout", 600)
        return super().initialize()

    def execute(self):
        capacity = Operations().getValue("Production/Capacity", self.am_getOption("Capacity", 20000))
        prods = self.productions(["Active"])
        demands, stats = [], {}
        for prod in prods:
            transIDs = [t for t in (prod["MergeTransformationID"], prod["TransformationID"]) if t]
            for transID in transIDs:
                self._recoverClaims(transID)
            stats[prod["ProductionID"]] = {t: self.taskStats(t) for t in transIDs}
            counts = [c for s in stats[prod["ProductionID"]].values() for c in [s]]
            pending = sum(s.get("Created", 0) for s in counts)
            inFlight = sum(n for s in counts for k, n in s.items() if k not in NOT_IN_FLIGHT)
            demands.append(Demand(prod["ProductionID"], int(prod["Priority"]), inFlight, pending))
        quota = share(int(capacity), demands, self.am_getOption("MaxPerCycle", 20000))
        for prod in prods:
            left = quota.get(prod["ProductionID"], 0)
            for transID in (prod["MergeTransformationID"], prod["TransformationID"]):
                if transID and left > 0:
                    left -= self._submit(prod, transID, left, merge=transID == prod["MergeTransformationID"])
        return S_OK()

    def _submit(self, prod: dict, transID: int, count: int, merge: bool) -> int:
        """Submit up to ``count`` tasks of ``transID``, claiming ``BulkSize`` at a time; returns how many.

        A claim lives only as long as one submission: were all ``count`` claimed at once, the last chunks
        would wait minutes and look stale to another agent, which would release and resubmit them.
        """
        submitted = 0
        while submitted < count:
            res = self.prodClient.claimTasks(transID, min(self.bulkSize, count - submitted))
            if not res["OK"]:
                self.log.error("Cannot claim tasks", f"{transID}: {res['Message']}")
                break
            if not res["Value"]:
                break
            done = self._submitClaimed(prod, transID, res["Value"], merge)
            submitted += done
            if done < len(res["Value"]):
                break  # the WMS refuses: the released tasks wait for the next cycle
        if submitted:
            self.log.notice("Submitted", f"{submitted} tasks of transformation {transID}")
        return submitted

    def _submitClaimed(self, prod: dict, transID: int, tasks: list[dict], merge: bool) -> int:
        submitted = 0
        for jdl, taskIDs in self._jdls(prod, transID, tasks, merge):
            sub = self.wms.submitJob(jdl)
            if not sub["OK"]:
                self.log.error("Submission failed", f"{len(taskIDs)} tasks of {transID}: {sub['Message']}")
                self.prodClient.releaseTasks(transID, taskIDs, ["Reserved"])
                continue
            ids = sub["Value"] if isinstance(sub["Value"], list) else [sub["Value"]]
            done = self.prodClient.confirmTasks(transID, {str(t): int(j) for t, j in zip(taskIDs, ids, strict=True)})
            if not done["OK"]:  # the claim stays; recovery finds the jobs by name
                self.log.error("Submitted jobs not recorded", done["Message"])
            submitted += len(taskIDs)
        return submitted

    def _jdls(self, prod: dict, transID: int, tasks: list[dict], merge: bool):
        """(JDL, task IDs) per job set: MC tasks in parametric chunks of tasks alike (same events and banned
        sites); tasks with input files one job each."""
        defn = prod["Definition"]
        groups: dict[tuple, list[int]] = {}
        for task in tasks:
            banned = tuple(sorted(task["BannedSites"]))
            if task["InputLFNs"]:
                index = _blockIndex(task["InputLFNs"][0]) if merge else 0
                yield jobs.inputJDL(prod, defn, transID, task["TaskID"], task["InputLFNs"], banned, merge=merge,
                                    blockIndex=index), [task["TaskID"]]  # fmt: skip
                continue
            groups.setdefault((banned, jobs.mcEvents(defn, task["TaskID"])), []).append(task["TaskID"])
        for (banned, events), ids in sorted(groups.items()):
            for i in range(0, len(ids), self.bulkSize):
                chunk = ids[i : i + self.bulkSize]
                yield jobs.mcJDL(prod, defn, transID, chunk, events, banned), chunk

    def _recoverClaims(self, transID: int) -> None:
        """Claims older than ``ClaimTimeout``: tasks whose job exists are confirmed, the others released."""
        res = self.prodClient.getStaleClaims(transID, self.claimTimeout)
        if not res["OK"] or not res["Value"]:
            return
        stale = set(res["Value"])
        found = self.monitoring.getJobs({"JobGroup": f"{transID:08d}",
                                         "JobName": [jobs.jobName(transID, t) for t in stale]})  # fmt: skip
        jobsOf: dict[int, int] = {}
        if found["OK"] and found["Value"]:
            summary = self.monitoring.getJobsSummary([int(j) for j in found["Value"]])
            for jobID, attrs in (summary.get("Value") or {}).items():
                taskID = int(str(attrs.get("JobName", "_0")).rsplit("_", 1)[1])
                jobsOf[taskID] = max(jobsOf.get(taskID, 0), int(jobID))
        elif not found["OK"]:
            return  # without the WMS' answer nothing may be released
        if jobsOf:
            self.prodClient.confirmTasks(transID, {str(t): j for t, j in jobsOf.items()})
        release = sorted(stale - set(jobsOf))
        if release:
            self.prodClient.releaseTasks(transID, release, ["Reserved"])
        self.log.notice("Recovered stale claims", f"{transID}: {len(jobsOf)} found submitted, {len(release)} released")


def _blockIndex(lfn: str) -> int:
    """``.../subNN/file`` → NN (the merged file's index)."""
    return int(lfn.rsplit("/", 2)[-2][3:])
