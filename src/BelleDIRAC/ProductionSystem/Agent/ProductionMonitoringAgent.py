"""ProductionMonitoringAgent: follows production jobs, resubmits failures with a diagnosis, completes productions.

Each cycle, per Active production and transformation: the jobs of tasks in flight (one WMS call per 1000),
task statuses written back in bulk; a Done job's outputs (job parameter ``OutputLFNs``) go to the bookkeeping,
each with the job's log archive (``LogLFN``, set by the payload);
a failed job is classified (``failure_classifier``), recorded with its site and reason, and its task either
goes back to ``Created`` with a back-off and the sites to avoid, or is given up after ``max_attempts``.
When every task is final the production is Completed (or Failed if nothing succeeded); merge tasks first,
and the final datablocks (merged ones when the production merges) get a Rucio rule to one of the definition's
``destinations`` each, chosen by free space (the SEs' ``storage`` usage) and ``Production/SEWeights``.
Failures are keyed by job ID and recorded before the task moves, so a restart never loses or repeats one.
"""

from __future__ import annotations

import time

from DIRAC import S_OK
from DIRAC.ConfigurationSystem.Client.Helpers.Operations import Operations

from BelleDIRAC.ProductionSystem.Agent.ProductionAgentBase import FINAL_TASK_STATES, ProductionAgentBase
from BelleDIRAC.ProductionSystem.Utilities import failure_classifier as fc
from BelleDIRAC.ProductionSystem.Utilities.merge import mergedDataset
from BelleDIRAC.TransformationSystem.Utilities.destination import assignDestinations

IN_FLIGHT = ["Submitted", "Received", "Checking", "Scouting", "Waiting", "Staging", "Matched", "Running",
             "Completing", "Stalled", "Rescheduled"]  # fmt: skip
FAILED_JOB = ("Failed", "Killed")
CHUNK = 1000


class ProductionMonitoringAgent(ProductionAgentBase):
    def initialize(self):
        self.banThreshold = self.am_getOption("SiteBanThreshold", 2)
        self.backoffBase = self.am_getOption("BackoffBase", 60.0)
        self.backoffMax = self.am_getOption("BackoffMax", 3600.0)
        return super().initialize()

    def execute(self):
        for prod in self.productions(["Active"]):
            try:
                for transID in (prod["TransformationID"], prod["MergeTransformationID"]):
                    if transID:
                        self._follow(prod, transID)
                self._maybeComplete(prod)
            except Exception as exc:  # one broken production must not stop the others
                self.log.exception("Monitoring failed", f"production {prod['ProductionID']}", lException=exc)
        return S_OK()

    def _follow(self, prod: dict, transID: int) -> None:
        inFlight = [t for t in self.tasks(transID, IN_FLIGHT) if str(t["ExternalID"]).isdigit()]
        tasks = {int(t["ExternalID"]): t["TaskID"] for t in inFlight}
        known = {t["TaskID"]: t["ExternalStatus"] for t in inFlight}
        jobIDs = sorted(j for j in tasks if j > 0)
        for i in range(0, len(jobIDs), CHUNK):
            chunk = jobIDs[i : i + CHUNK]
            res = self.monitoring.getJobsSummary(chunk)
            if not res["OK"]:
                self.log.warn("Job states unknown", res["Message"])
                return
            states = {int(j): a for j, a in res["Value"].items()}
            self._record(prod, transID, {j: tasks[j] for j in chunk}, states, known)

    def _record(self, prod: dict, transID: int, taskOf: dict[int, int], states: dict[int, dict], known: dict) -> None:
        """Write back only the task statuses that changed (a cycle over 30k jobs in flight writes few rows)."""
        statuses, done, failed = {}, [], []
        for jobID, taskID in taskOf.items():
            attrs = states.get(jobID, {"Status": "Deleted", "MinorStatus": "job removed from the WMS"})
            status = attrs.get("Status")
            if status == "Done" and attrs.get("ApplicationStatus") == "Done":
                done.append(jobID)
            elif status in FAILED_JOB or status == "Deleted" or status == "Done":
                failed.append(jobID)
            elif status and status != known.get(taskID):
                statuses[taskID] = status
        if done:
            self._bookkeep(prod, transID, taskOf, done)
            statuses.update({taskOf[j]: "Done" for j in done})
        if failed:
            self._failures(prod, transID, {j: taskOf[j] for j in failed}, states)
        if statuses:
            self.prodClient.setTaskStatuses(transID, {str(t): s for t, s in statuses.items()})

    def _bookkeep(self, prod: dict, transID: int, taskOf: dict[int, int], jobIDs: list[int]) -> None:
        res = self.monitoring.getJobParameters(jobIDs, ["OutputLFNs", "LogLFN"])
        params = res.get("Value") or {}
        merge = transID == prod["MergeTransformationID"]
        inputs = self._taskInputs(transID, [taskOf[j] for j in jobIDs]) if merge else {}
        rows = []
        for jobID in jobIDs:
            job = params.get(jobID) or params.get(str(jobID)) or {}
            logLFN = str(job.get("LogLFN") or "")  # '' when the job could not store its logs
            for lfn in [v for v in str(job.get("OutputLFNs", "")).split(",") if v]:
                rows.append({"ProductionID": prod["ProductionID"], "TransformationID": transID, "TaskID": taskOf[jobID],
                             "JobID": jobID, "OutputLFN": lfn, "Datablock": lfn.rsplit("/", 1)[0],
                             "InputLFNs": inputs.get(taskOf[jobID], []), "LogLFN": logLFN})  # fmt: skip
        if rows:
            self.prodClient.addOutputs(rows)
        if merge:
            self.prodClient.setMerged([lfn for t in inputs.values() for lfn in t])

    def _taskInputs(self, transID: int, taskIDs: list[int]) -> dict[int, list[str]]:
        res = self.transClient.getTransformationFiles({"TransformationID": transID, "TaskID": taskIDs})
        out: dict[int, list[str]] = {}
        for row in res.get("Value") or []:
            out.setdefault(int(row["TaskID"]), []).append(row["LFN"])
        return out

    def _failures(self, prod: dict, transID: int, taskOf: dict[int, int], states: dict[int, dict]) -> None:
        """Diagnose a batch of failed jobs with two lookups for the batch (attempts, production-wide site
        failures), then one record per job: the cost grows with the batch, not with the production's past."""
        prodID = prod["ProductionID"]
        attempts = self.prodClient.getTaskAttempts(transID, sorted(set(taskOf.values()))).get("Value") or {}
        siteFailures: dict[str, int] = {}
        for fsite, fcat, count in self.prodClient.getFailureStatistics(prodID).get("Value") or []:
            if fcat in fc.SITE_SPECIFIC:
                siteFailures[fsite] = siteFailures.get(fsite, 0) + count
        for jobID, taskID in sorted(taskOf.items()):
            attrs = states.get(jobID, {})
            category = self._failed(prod, transID, taskID, jobID, attrs, attempts.get(taskID, {}), siteFailures)
            if category in fc.SITE_SPECIFIC and attrs.get("Site"):
                siteFailures[attrs["Site"]] = siteFailures.get(attrs["Site"], 0) + 1

    def _failed(self, prod, transID, taskID, jobID, attrs: dict, attempts: dict, siteFailures: dict) -> str | None:
        """Record one failed job and retry or give up its task; returns the failure category if recorded."""
        prodID, defn = prod["ProductionID"], prod["Definition"]
        category = fc.classify(attrs)
        site = attrs.get("Site", "") or ""
        failedSites = [*attempts.get("BannedSites", []), site] if category in fc.SITE_SPECIFIC else attempts.get(
            "BannedSites", [])  # fmt: skip
        decision = fc.decideRetry(category, attempts.get("Attempts", 1), int(defn.get("max_attempts", 3)),
                                  [s for s in failedSites if s], time.time(), siteFailures, self.banThreshold,
                                  self.backoffBase, self.backoffMax)  # fmt: skip
        detail = attrs.get("ApplicationStatus") or attrs.get("MinorStatus") or ""
        failure = {"JobID": jobID, "Site": site, "Category": category, "Detail": str(detail)}
        retry = {}
        if decision.retry:
            retry = {"Delay": max(0, int((decision.notBefore or time.time()) - time.time())),
                     "BannedSites": decision.bannedSites}  # fmt: skip
        res = self.prodClient.recordFailure(prodID, transID, taskID, failure, retry)
        if not res["OK"]:
            self.log.error("Failure not recorded", res["Message"])
            return None
        if decision.retry:
            self.prodClient.releaseTasks(transID, [taskID], IN_FLIGHT + ["Done"])
            self.log.info("Task resubmitted later", f"{transID}/{taskID}: {category} at {site}, {decision.reason}")
        else:
            self.prodClient.setTaskStatuses(transID, {str(taskID): "Failed"})
            self.log.notice("Task given up", f"{transID}/{taskID}: {decision.reason}")
        return category

    def _maybeComplete(self, prod: dict) -> None:
        prodID, defn = prod["ProductionID"], prod["Definition"]
        main = self.taskStats(prod["TransformationID"]) if prod["TransformationID"] else {}
        if not main or any(n for s, n in main.items() if s not in FINAL_TASK_STATES):
            return
        if defn.get("merge") and main.get("Done"):
            mergeStats = self.taskStats(prod["MergeTransformationID"]) if prod["MergeTransformationID"] else {}
            outputs = self.prodClient.getOutputs(prodID, {"Merged": False}).get("Value") or []
            pendingMerge = [o for o in outputs if not o["OutputLFN"].startswith(mergedDataset(prod["OutputPath"]))]
            if pendingMerge or any(n for s, n in mergeStats.items() if s not in FINAL_TASK_STATES):
                return
        if not main.get("Done"):
            self.prodClient.failBelleProduction(prodID, f"all {main.get('Failed', 0)} tasks failed")
            return
        if not self._place(prod):
            return
        res = self.prodClient.setBelleProductionState(prodID, "complete")
        self.log.notice("Production completed", f"{prodID}: {res.get('Value', res.get('Message'))}")

    def _place(self, prod: dict) -> bool:
        """Rules taking each final datablock to a destination; True once every block has one (so a retry
        after a partial failure only adds the missing ones)."""
        prodID, destinations = prod["ProductionID"], prod["Definition"]["output"].get("destinations") or []
        if not destinations:
            return True
        from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement

        rows = self.prodClient.getOutputs(prodID, {}).get("Value") or []
        merged = [r for r in rows if r["TransformationID"] == prod["MergeTransformationID"]]
        blocks = sorted({r["Datablock"] for r in (merged or [r for r in rows if r["TransformationID"] ==
                                                                 prod["TransformationID"]])})  # fmt: skip
        rucio = B2RucioDataManagement()
        existing = rucio.listRules(blocks)
        if not existing["OK"]:
            self.log.warn("Rules unknown", existing["Message"])
            return False
        placed = {b for b, rules in existing["Value"]["Successful"].items()
                  if any(r["RSEExpression"] in destinations for r in rules)}  # fmt: skip
        todo = [b for b in blocks if b not in placed]
        if not todo:
            return True
        ops = Operations()
        weights = {se: float(ops.getValue(f"Production/SEWeights/{se}", 1.0)) for se in destinations}
        targets = assignDestinations(todo, destinations, rucio.getUsage(destinations), weights,
                                     float(ops.getValue("Production/MaxSEFill", 0.95)))  # fmt: skip
        if not targets:
            self.log.error("No destination has room", f"production {prodID}: {', '.join(destinations)}")
            return False
        for se in sorted(set(targets.values())):
            res = rucio.addRules([b for b, t in targets.items() if t == se], se, comment=f"production {prodID}")
            if not res["OK"] or res["Value"]["Failed"]:
                self.log.error("Rules not created", f"production {prodID} to {se}: {res.get('Message', res)}")
                return False
        self.log.notice("Datablocks sent to destinations", f"production {prodID}: {len(targets)}")
        return True
