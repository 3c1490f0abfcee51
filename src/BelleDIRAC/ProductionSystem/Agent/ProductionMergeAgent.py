"""ProductionMergeAgent: when an output datablock of a production is complete, a merge task joins it.

A datablock is complete when it holds 1000 files, every file its tasks will write, or whatever it holds once
all the production's tasks are final (``datablocks.completeDatablocks``). Each complete block becomes one task
of the production's merge transformation (created on first use), with the block's files as input; the
submission agent submits it like any task. A block whose files are already in the merge transformation is
skipped, so a restarted agent never makes a second merge of the same block.
"""

from __future__ import annotations

from DIRAC import S_OK

from BelleDIRAC.ProductionSystem.Agent.ProductionAgentBase import FINAL_TASK_STATES, ProductionAgentBase
from BelleDIRAC.ProductionSystem.Utilities.merge import mergedDataset
from BelleDIRAC.TransformationSystem.Utilities.datablocks import completeDatablocks, expectedPerBlock


class ProductionMergeAgent(ProductionAgentBase):
    def execute(self):
        for prod in self.productions(["Active"]):
            if not prod["Definition"].get("merge") or not prod["TransformationID"]:
                continue
            try:
                self._merge(prod)
            except Exception as exc:  # one broken production must not stop the others
                self.log.exception("Merge step failed", f"production {prod['ProductionID']}", lException=exc)
        return S_OK()

    def _merge(self, prod: dict) -> None:
        prodID = prod["ProductionID"]
        res = self.prodClient.getOutputs(prodID, {"Merged": False})
        if not res["OK"]:
            self.log.warn("No outputs", res["Message"])
            return
        merged = mergedDataset(prod["OutputPath"])
        byBlock: dict[str, list[str]] = {}
        for row in res["Value"]:
            if row["TransformationID"] == prod["TransformationID"] and not row["OutputLFN"].startswith(merged):
                byBlock.setdefault(row["Datablock"], []).append(row["OutputLFN"])
        if not byBlock:
            return
        stats = self.taskStats(prod["TransformationID"])
        nTasks = sum(stats.values())
        producerDone = not any(n for s, n in stats.items() if s not in FINAL_TASK_STATES)
        # A block expects one file per Done-or-pending task writing into it; given-up tasks write nothing.
        expected = expectedPerBlock(nTasks) if not stats.get("Failed") else {}
        complete = completeDatablocks({b: len(f) for b, f in byBlock.items()}, expected, producerDone)
        if not complete:
            return
        transID = prod["MergeTransformationID"] or self._createMergeTransformation(prod)
        if not transID:
            return
        known = self.transClient.getTransformationFiles({"TransformationID": transID})
        if not known["OK"]:
            return
        already = {row["LFN"] for row in known["Value"]}
        for block in complete:
            lfns = sorted(byBlock[block])
            if already.intersection(lfns):
                continue
            add = self.transClient.addFilesToTransformation(transID, lfns)
            task = self.transClient.addTaskForTransformation(transID, lfns) if add["OK"] else add
            if not task["OK"]:
                self.log.error("Merge task not created", f"{block}: {task['Message']}")
                continue
            self.log.notice("Merge task created", f"production {prodID}: {block} ({len(lfns)} files)")

    def _createMergeTransformation(self, prod: dict) -> int | None:
        prodID, defn = prod["ProductionID"], prod["Definition"]
        name = f"{prodID:08d}_{defn['name']}_merge"
        res = self.transClient.getTransformation(name)  # made by a run that died before recording it
        if res["OK"]:
            return self._adopt(prod, res["Value"]["TransformationID"])
        res = self.transClient.addTransformation(
            name, f"merge of production {prodID}", f"Merge of {prod['OutputPath']}",
            "Merge", "Standard", "Manual", "", transformationGroup=defn["campaign"], addFiles=True,
            body=mergedDataset(prod["OutputPath"]),
        )  # fmt: skip
        if not res["OK"]:
            self.log.error("Merge transformation not created", res["Message"])
            return None
        return self._adopt(prod, res["Value"])

    def _adopt(self, prod: dict, transID: int) -> int:
        prodID = prod["ProductionID"]
        self.prodClient.setBelleParameters(prodID, {"MergeTransformationID": transID})
        self.prodClient.addTransformationsToProduction(prodID, [transID], [prod["TransformationID"]])
        self.transClient.setTransformationParameter(transID, "Status", "Active")
        return transID
