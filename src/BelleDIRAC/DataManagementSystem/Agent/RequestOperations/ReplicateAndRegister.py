"""ReplicateAndRegister for a Rucio-managed VO: the copy to the target SE is a Rucio rule, never DIRAC's own.

A job whose output SE is down uploads its output to a failover SE and leaves a request of two operations
(DIRAC's ``FailoverTransfer``): ``ReplicateAndRegister`` to the output SE, then ``RemoveReplica`` at the
failover SE. DIRAC's handler would copy the file itself (DataManager or FTS) and register the new replica,
which Rucio neither schedules nor protects, and which later rule or deletion decisions would fight.
This handler asks Rucio instead: one replication rule per file and target SE, owned by the request's owner
(Rucio account = DIRAC user name), and it keeps the operation Waiting until Rucio reports the replica
available at every target. Only then does the ``RemoveReplica`` of the failover copy run, so the data is
never without a replica, and the rule at the destination is untouched by it.

Files that are not in the catalog fail the operation file at once; a rule Rucio refuses (an unknown RSE, no
quota) keeps the file Waiting with Rucio's reason in its ``Error`` so operators see it; the rule is created
idempotently, so every retry of the request finds the same rule.

Enabled by ``OperationHandlers/ReplicateAndRegister/Location`` in the RequestExecutingAgent section
(BelleDIRAC's ``RequestManagementSystem/ConfigTemplate.cfg``).
"""

from __future__ import annotations

from DIRAC import S_OK
from DIRAC.DataManagementSystem.Agent.RequestOperations.ReplicateAndRegister import (
    ReplicateAndRegister as DIRACReplicateAndRegister,
)

from BelleDIRAC.DataManagementSystem.Client import rucio_rules
from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement

PERMANENT = ("DataIdentifierNotFound", "InvalidObject", "LFNError")


class ReplicateAndRegister(DIRACReplicateAndRegister):
    """DIRAC's handler with the transfer replaced by Rucio rules (see the module's docstring)."""

    def __call__(self):
        waiting = {opFile.LFN: opFile for opFile in self.getWaitingFilesList()}
        if not waiting:
            return S_OK()
        targets = self.operation.targetSEList
        replicas = self.fc.getReplicas(list(waiting))
        if not replicas["OK"]:
            return replicas
        for lfn, reason in replicas["Value"]["Failed"].items():
            waiting[lfn].Error, waiting[lfn].Status = str(reason), "Failed"
        present = replicas["Value"]["Successful"]
        for lfn in rucio_rules.replicatedTo(present, targets):
            self.log.info("replica available at every target", lfn)
            waiting[lfn].Status = "Done"
        dm = B2RucioDataManagement()
        for target in targets:
            missing = sorted(
                lfn for lfn, ses in present.items() if target not in ses and waiting[lfn].Status == "Waiting"
            )
            if missing:
                result = self._ruleTo(dm, target, missing, waiting)
                if not result["OK"]:
                    return result
        return S_OK()

    def _ruleTo(self, dm: B2RucioDataManagement, target: str, lfns: list[str], waiting: dict):
        rules = dm.addRules(
            lfns,
            target,
            account=self.request.Owner,
            activity=rucio_rules.activityFor(self.request.OwnerGroup),
            comment=f"RMS request {self.request.RequestName}",
        )
        if not rules["OK"]:
            return rules
        for lfn, reason in rules["Value"]["Failed"].items():
            permanent = str(reason).startswith(PERMANENT)
            waiting[lfn].Error = f"Rucio refused a rule to {target}: {reason}"
            if permanent:
                waiting[lfn].Status = "Failed"
        ruleIDs = rules["Value"]["Successful"]
        states = dm.getRules(sorted(set(ruleIDs.values())))
        summaries = states["Value"]["Successful"] if states["OK"] else {}
        for lfn, ruleID in ruleIDs.items():
            summary = summaries.get(ruleID)
            state = f"{summary['State']}, {rucio_rules.ruleProgress(summary)}" if summary else "state unknown"
            waiting[lfn].Error = f"Rucio rule {ruleID} to {target}: {state}"
            self.log.verbose("waiting for Rucio", waiting[lfn].Error)
        return S_OK()
