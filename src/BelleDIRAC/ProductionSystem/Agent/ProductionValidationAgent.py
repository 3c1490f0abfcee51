"""ProductionValidationAgent: a started production runs scouts first; only if they pass does it go Active.

For each production in ``Validating``: create its transformation and tasks (once), submit ``Scouts`` jobs of
the first tasks processing ``ScoutEvents`` events and uploading nothing, then judge them with the same verdict
as user scouts (``scout_verdict``): released → ``Active``; failed → ``Failed`` with the scouts' reason.
Every step is recorded before the next, so a restarted agent continues where it stopped.
"""

from __future__ import annotations

import datetime

from DIRAC import S_ERROR, S_OK

from BelleDIRAC.gbasf2.lib.ds.catalog import CatalogError
from BelleDIRAC.ProductionSystem.Agent.ProductionAgentBase import ProductionAgentBase
from BelleDIRAC.ProductionSystem.Utilities import jobs
from BelleDIRAC.ProductionSystem.Utilities.inputs import inputFiles
from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import FAIL, RELEASE, ScoutPolicy, scoutVerdict

TRANSFORMATION_TYPES = {"MCGeneration": "MCSimulation", "DataProcessing": "DataReconstruction",
                        "Skim": "DataReconstruction"}  # fmt: skip


def _age(scouts: list[dict]) -> float:
    """Seconds since the earliest scout was submitted (0 when unknown)."""
    times = [s["SubmissionTime"] for s in scouts if isinstance(s.get("SubmissionTime"), datetime.datetime)]
    if not times:
        return 0.0
    return (datetime.datetime.utcnow() - min(times)).total_seconds()


class ProductionValidationAgent(ProductionAgentBase):
    def initialize(self):
        self.scouts = self.am_getOption("Scouts", 2)
        self.scoutEvents = self.am_getOption("ScoutEvents", 10)
        # A production is all-or-nothing: every scout must succeed, one failure of two is enough to stop it.
        self.policy = ScoutPolicy(successFraction=1.0, failureFraction=0.5,
                                  timeoutSeconds=3600 * self.am_getOption("TimeoutHours", 6))  # fmt: skip
        return super().initialize()

    def execute(self):
        for prod in self.productions(["Validating"]):
            try:
                self._validate(prod)
            except Exception as exc:  # one broken production must not stop the others
                self.log.exception("Validation step failed", f"production {prod['ProductionID']}", lException=exc)
        return S_OK()

    def _validate(self, prod: dict) -> None:
        prodID = prod["ProductionID"]
        if not prod["TransformationID"]:
            res = self._createTransformation(prod)
            if not res["OK"]:
                self.log.error("Cannot create the transformation", f"{prodID}: {res['Message']}")
                return
            prod["TransformationID"] = res["Value"]
        if not prod["ScoutJobs"]:
            self._submitScouts(prod)
            return
        scoutIDs = [int(j) for j in prod["ScoutJobs"].split(",")]
        res = self.monitoring.getJobsSummary(scoutIDs)
        if not res["OK"]:
            self.log.warn("Scout states unknown", res["Message"])
            return
        found = {int(j): attrs for j, attrs in res["Value"].items()}
        scouts = [found.get(j, {"Status": "Deleted"}) for j in scoutIDs]
        verdict = scoutVerdict(scouts, _age(scouts), self.policy)
        if verdict.action == RELEASE:
            self.prodClient.setBelleParameters(prodID, {"Validated": 1})
            res = self.prodClient.setBelleProductionState(prodID, "activate")
            self.log.notice("Production validated by its scouts", f"{prodID}: {res.get('Value', res.get('Message'))}")
        elif verdict.action == FAIL:
            reason = f"scouts failed: {verdict.reason}"
            self.prodClient.failBelleProduction(prodID, reason)
            self.log.notice("Production failed validation", f"{prodID}: {reason}")

    def _createTransformation(self, prod: dict):
        prodID, defn = prod["ProductionID"], prod["Definition"]
        name = f"{prodID:08d}_{defn['name']}"
        found = self.transClient.getTransformation(name)  # made by a run that died before recording it
        res = S_OK(found["Value"]["TransformationID"]) if found["OK"] else self.transClient.addTransformation(
            name, defn.get("description", "")[:255] or defn["name"],
            f"Belle II production {prodID} ({defn['campaign']})", TRANSFORMATION_TYPES[defn["type"]],
            "Standard", "Manual", "", transformationGroup=defn["campaign"], body=prod["OutputPath"],
        )  # fmt: skip
        if not res["OK"]:
            return res
        transID = res["Value"]
        # Recorded before tasks are made: a restart finds the transformation instead of making another.
        self.prodClient.setBelleParameters(prodID, {"TransformationID": transID})
        self.prodClient.addTransformationsToProduction(prodID, [transID], [-1])
        have = sum(self.taskStats(transID).values())
        if defn["type"] == "MCGeneration":
            nTasks = -(-int(defn["events"]) // int(defn["events_per_job"]))
            if nTasks > have:
                ext = self.transClient.extendTransformation(transID, nTasks - have)
                if not ext["OK"]:
                    return ext
        else:
            res = self._inputTasks(transID, defn, have)
            if not res["OK"]:
                return res
        self.transClient.setTransformationParameter(transID, "Status", "Stopped")
        return S_OK(transID)

    def _inputTasks(self, transID: int, defn: dict, have: int):
        """One task per ``files_per_job`` input files, in LFN order; the first ``have`` exist already."""
        try:
            files = inputFiles(defn["input"])
        except (CatalogError, ValueError) as exc:
            return S_ERROR(f"input not resolved: {exc}")
        if not files:
            return S_ERROR("the production's input has no files")
        res = self.transClient.addFilesToTransformation(transID, files)
        if not res["OK"]:
            return res
        per = int(defn.get("files_per_job", 1))
        for i in range(have * per, len(files), per):
            res = self.transClient.addTaskForTransformation(transID, files[i : i + per])
            if not res["OK"]:
                return res
        return S_OK()

    def _submitScouts(self, prod: dict) -> None:
        prodID, defn, transID = prod["ProductionID"], prod["Definition"], prod["TransformationID"]
        tasks = sorted(t["TaskID"] for t in self.tasks(transID))[: max(1, self.scouts)]
        if not tasks:
            self.log.warn("No tasks to scout yet", str(prodID))
            return
        if defn["type"] == "MCGeneration":
            jdls = [jobs.mcJDL(prod, defn, transID, tasks, self.scoutEvents, scout=True)]
        else:
            found = self.transClient.getTransformationFiles({"TransformationID": transID, "TaskID": tasks})
            inputs: dict[int, list[str]] = {}
            for row in found.get("Value") or []:
                inputs.setdefault(int(row["TaskID"]), []).append(row["LFN"])
            jdls = [jobs.inputJDL(prod, defn, transID, t, sorted(inputs[t]), scoutEvents=self.scoutEvents)
                    for t in tasks if inputs.get(t)]  # fmt: skip
        ids = []
        for jdl in jdls:
            res = self.wms.submitJob(jobs.asScout(jdl, transID))
            if not res["OK"]:
                self.log.error("Scouts not submitted", f"{prodID}: {res['Message']}")
                return
            ids += res["Value"] if isinstance(res["Value"], list) else [res["Value"]]
        self.prodClient.setBelleParameters(prodID, {"ScoutJobs": ",".join(str(int(j)) for j in ids)})
        self.log.notice("Scouts submitted", f"production {prodID}: jobs {ids}")
