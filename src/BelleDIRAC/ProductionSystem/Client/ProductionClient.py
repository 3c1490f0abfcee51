"""Client of BelleDIRAC's ProductionManager: DIRAC's ProductionClient plus the Belle II production calls.

The Belle methods are remote calls (``addBelleProduction``, ``getBelleProductions``, ``setBelleProductionState``,
``claimTasks``...) reached through DIRAC's generic client; this class adds what needs the caller's side:
reading a definition file and uploading its steering file to the SandboxStore before the service sees it.
"""

from __future__ import annotations

import os

from DIRAC import S_ERROR, S_OK
from DIRAC.Core.Base.Client import createClient
from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient as DIRACProductionClient

from BelleDIRAC.ProductionSystem.Utilities import definition as prodDef
from BelleDIRAC.ProductionSystem.Utilities.merge import MERGE_STEERING_NAME, mergeSteeringPath


@createClient("Production/ProductionManager")
class ProductionClient(DIRACProductionClient):
    """DIRAC's ProductionClient with the Belle II production system's calls."""

    def addFromFile(self, path: str):
        """Validate a definition file, upload its steering file (and the merge steering) and add it.

        Returns S_OK(productionID); S_ERROR says every reason the definition or a guard refused it.
        """
        try:
            defn = prodDef.load(path)
        except prodDef.DefinitionError as exc:
            return S_ERROR(f"invalid definition: {exc}")
        with open(defn["steering"]) as fh:
            steering = fh.read()
        from DIRAC.WorkloadManagementSystem.Client.SandboxStoreClient import SandboxStoreClient

        files = [defn["steering"]]
        if defn.get("merge"):
            files.append(mergeSteeringPath())
        res = SandboxStoreClient().uploadFilesAsSandbox(files)
        if not res["OK"]:
            return S_ERROR(f"cannot upload the steering file: {res['Message']}")
        defn["steering"] = os.path.basename(defn["steering"])
        if defn["steering"] == MERGE_STEERING_NAME:
            return S_ERROR(f"the steering file may not be called {MERGE_STEERING_NAME} (the merge steering's name)")
        return self.addBelleProduction(defn, steering, res["Value"])

    def getBelleProduction(self, prodID: int):
        """One production as a dict, or S_ERROR when there is none with this ID."""
        res = self.getBelleProductions({"ProductionID": int(prodID)})
        if not res["OK"]:
            return res
        return S_OK(res["Value"][0]) if res["Value"] else S_ERROR(f"no production {prodID}")
