"""SEUsageAgent: tells Rucio how full each storage element is, as the storage itself reports it.

Choosing a production's destination by free space, and refusing a full SE at definition time, read the
``storage`` usage of the SE's RSE. Rucio only knows the bytes it registered; what the storage holds in all
(other VOs, dark data) is what fills it. Each cycle asks every SE that has an RSE for its occupancy
(``StorageElement.getOccupancy``) and reports it to Rucio in one pass. An SE that does not answer keeps its
last report, and the others are still reported.
"""

from __future__ import annotations

from DIRAC import S_OK
from DIRAC.Core.Base.AgentModule import AgentModule
from DIRAC.DataManagementSystem.Utilities.DMSHelpers import DMSHelpers
from DIRAC.Resources.Storage.StorageElement import StorageElementItem

from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement


class SEUsageAgent(AgentModule):
    def initialize(self):
        self.rucio = B2RucioDataManagement()
        return S_OK()

    def execute(self):
        ses = self.am_getOption("StorageElements", []) or sorted(DMSHelpers().getStorageElements())
        rses = {rse["rse"] for rse in self.rucio.client.list_rses()}
        usage = {}
        for se in ses:
            if se not in rses:
                continue
            # A fresh object each cycle, not DIRAC's cached ``StorageElement(se)``: the cache keeps an SE for 30
            # minutes, also one built before the SE was known to RSS, which then fails every call.
            res = StorageElementItem(se).getOccupancy(unit="B")
            if not res["OK"]:
                self.log.warn("No occupancy", f"{se}: {res['Message']}")
                continue
            total, free = int(res["Value"]["Total"]), int(res["Value"]["Free"])
            usage[se] = (total - free, total)
        res = self.rucio.setUsage(usage)
        if not res["OK"]:
            self.log.error("Usage not reported to Rucio", res["Message"])
            return res
        self.log.info("Usage reported", ", ".join(f"{se} {u / t:.0%}" for se, (u, t) in usage.items()))
        return S_OK()
