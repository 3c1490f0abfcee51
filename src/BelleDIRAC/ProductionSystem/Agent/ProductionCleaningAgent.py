"""ProductionCleaningAgent: removes what failed jobs leave behind, and whole productions being cleaned.

DIRAC's TransformationCleaningAgent finds outputs through the DIRAC File Catalog's metadata and removes them
with RemoveFile requests; with Rucio as the only catalog that finds nothing. Here the production's output
path is walked in the catalog (Rucio through BelleDIRAC's plugin) and files are removed with DataManager,
which drops both replicas and catalog entries:

* running productions: a file whose name carries the ID of a failed job (``..._job<ID>_<RR>``) and that the
  bookkeeping does not list (an output a job uploaded before it failed), and the failed jobs' pending
  requests (a failover copy that will never be wanted);
* productions in ``Cleaning``: every output and merged file, the jobs still in the WMS, the transformations'
  tasks; then the production is ``Cleaned``.
"""

from __future__ import annotations

from DIRAC import S_OK
from DIRAC.DataManagementSystem.Client.DataManager import DataManager
from DIRAC.RequestManagementSystem.Client.ReqClient import ReqClient

from BelleDIRAC.gbasf2.lib.ds import catalog, expand
from BelleDIRAC.ProductionSystem.Agent.ProductionAgentBase import ProductionAgentBase
from BelleDIRAC.ProductionSystem.Utilities.cleanup import leftovers
from BelleDIRAC.ProductionSystem.Utilities.merge import mergedDataset

CHUNK = 500


class ProductionCleaningAgent(ProductionAgentBase):
    def initialize(self):
        # failed jobs already looked after, per production: a production's output path is walked only when a
        # job failed since (after a restart, once more for all of them: removing nothing twice is harmless)
        self.handled: dict[int, set[int]] = {}
        return super().initialize()

    def execute(self):
        for prod in self.productions(["Active", "Completed", "Failed", "Stopped", "Cleaning"]):
            try:
                if prod["Status"] == "Cleaning":
                    self._clean(prod)
                else:
                    self._failedLeftovers(prod)
            except Exception as exc:  # one broken production must not stop the others
                self.log.exception("Cleaning failed", f"production {prod['ProductionID']}", lException=exc)
        return S_OK()

    def _files(self, path: str) -> list[str]:
        return sorted(expand.allFiles([path], catalog.lister(catalog.fileCatalog())))

    def _remove(self, lfns: list[str]) -> int:
        removed = 0
        for i in range(0, len(lfns), CHUNK):
            res = DataManager().removeFile(lfns[i : i + CHUNK])
            if not res["OK"]:
                self.log.error("Files not removed", res["Message"])
                continue
            removed += len(res["Value"]["Successful"])
            for lfn, why in res["Value"]["Failed"].items():
                self.log.warn("File not removed", f"{lfn}: {why}")
        return removed

    def _failedLeftovers(self, prod: dict) -> None:
        res = self.prodClient.getFailedJobs(prod["ProductionID"])
        if not res["OK"] or not res["Value"]:
            return
        failed = set(res["Value"])
        if failed <= self.handled.get(prod["ProductionID"], set()):
            return
        outputs = self.prodClient.getOutputs(prod["ProductionID"], {})
        if not outputs["OK"]:
            return
        booked = {row["OutputLFN"] for row in outputs["Value"]}
        stray = leftovers(self._files(prod["OutputPath"]), failed, booked)
        if stray:
            self.log.notice("Removing files of failed jobs", f"production {prod['ProductionID']}: {len(stray)}")
            if self._remove(stray) < len(stray):
                return  # the next cycle tries again
        self._cancelRequests(sorted(failed - self.handled.get(prod["ProductionID"], set())))
        self.handled[prod["ProductionID"]] = failed

    def _cancelRequests(self, jobIDs: list[int]) -> None:
        reqs = ReqClient()
        res = reqs.getRequestIDsForJobs(jobIDs)
        for requestID in (res.get("Value") or {}).get("Successful", {}).values():
            status = reqs.getRequestStatus(requestID)
            if status.get("Value") in ("Waiting", "Scheduled", "Assigned"):
                reqs.deleteRequest(requestID)
                self.log.notice("Request of a failed job deleted", str(requestID))

    def _dropRules(self, prodID: int) -> bool:
        """Remove the rules on the production's datablocks (those taking them to their destinations) first:
        a rule left on a dataset whose files are gone would keep claiming replicas that no longer exist."""
        from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement

        rows = self.prodClient.getOutputs(prodID, {})
        if not rows["OK"]:
            return False
        rucio = B2RucioDataManagement()
        res = rucio.listRules(sorted({row["Datablock"] for row in rows["Value"]}))
        if not res["OK"]:
            self.log.warn("Rules unknown, cleaning waits", f"{prodID}: {res['Message']}")
            return False
        ruleIDs = [r["RuleID"] for rules in res["Value"]["Successful"].values() for r in rules]
        if not ruleIDs:
            return True
        removed = rucio.removeRules(ruleIDs)
        if not removed["OK"] or removed["Value"]["Failed"]:
            self.log.warn("Rules not removed, cleaning waits", f"{prodID}: {removed.get('Message', removed)}")
            return False
        return True

    def _clean(self, prod: dict) -> None:
        prodID = prod["ProductionID"]
        transIDs = [t for t in (prod["TransformationID"], prod["MergeTransformationID"]) if t]
        jobIDs = [int(t["ExternalID"]) for tr in transIDs for t in self.tasks(tr) if str(t["ExternalID"]).isdigit()]
        scouts = [int(j) for j in prod["ScoutJobs"].split(",") if j]
        if jobIDs or scouts:
            res = self.wms.deleteJob(sorted(set(jobIDs + scouts)), force=True)
            if not res["OK"]:
                self.log.warn("Jobs not all deleted", res["Message"])
        if not self._dropRules(prodID):
            return
        files = self._files(prod["OutputPath"]) + self._files(mergedDataset(prod["OutputPath"]))
        removed = self._remove(files)
        if removed < len(files):
            self.log.warn("Cleaning incomplete, next cycle retries", f"{prodID}: {removed}/{len(files)} removed")
            return
        for transID in transIDs:
            res = self.transClient.cleanTransformation(transID)
            if not res["OK"]:
                self.log.warn("Transformation not cleaned", f"{transID}: {res['Message']}")
                return
        res = self.prodClient.setBelleProductionState(prodID, "cleaned")
        if not res["OK"]:
            self.log.error("Production not marked Cleaned", f"{prodID}: {res['Message']}")
            return
        self.log.notice("Production cleaned", f"{prodID}: {len(files)} files, {len(jobIDs)} jobs")
