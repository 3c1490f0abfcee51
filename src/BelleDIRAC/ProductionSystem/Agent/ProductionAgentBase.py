"""What every production agent shares: its clients and the productions it works on.

Agents are thin: they read state through the ProductionManager, TransformationManager and WMS, call the pure
decisions of ``ProductionSystem/Utilities`` and write the outcome back. Each runs with the production shifter's
proxy (``shifterProxy = ProductionManager``) so the jobs it submits belong to the production manager.
"""

from __future__ import annotations

import json

from DIRAC import S_OK
from DIRAC.Core.Base.AgentModule import AgentModule
from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient
from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient

from BelleDIRAC.ProductionSystem.Client.ProductionClient import ProductionClient

#: Task statuses after which nothing more happens to a task
FINAL_TASK_STATES = ("Done", "Failed")


class ProductionAgentBase(AgentModule):
    """Clients and production lookups for the production agents."""

    def initialize(self):
        self.prodClient = ProductionClient()
        self.transClient = TransformationClient()
        self.monitoring = JobMonitoringClient()
        self.wms = WMSClient(useCertificates=False)
        return S_OK()

    def productions(self, statuses: list[str]) -> list[dict]:
        """Productions in ``statuses`` with their definition parsed (``Definition`` becomes a dict)."""
        res = self.prodClient.getBelleProductions({"Status": statuses})
        if not res["OK"]:
            self.log.error("Cannot list productions", res["Message"])
            return []
        prods = res["Value"]
        for prod in prods:
            prod["Definition"] = json.loads(prod["Definition"])
        return prods

    def taskStats(self, transID: int) -> dict[str, int]:
        res = self.transClient.getTransformationTaskStats(transID)
        if not res["OK"]:
            self.log.warn("No task statistics", f"{transID}: {res['Message']}")
            return {}
        return {k: v for k, v in res["Value"].items() if k != "TotalCreated"}

    def tasks(self, transID: int, statuses: list[str] | None = None) -> list[dict]:
        cond = {"TransformationID": transID}
        if statuses:
            cond["ExternalStatus"] = statuses
        res = self.transClient.getTransformationTasks(condDict=cond, limit=1000000)
        if not res["OK"]:
            self.log.warn("No tasks", f"{transID}: {res['Message']}")
            return []
        return res["Value"]
