"""BelleDIRAC's ProductionManager: DIRAC's service plus the Belle II production system.

Production managers (``ProductionManagement``) add, start, stop, resume and clean productions; everyone
authenticated reads them and their failure statistics. The definition is validated again here, whatever the
client did: the schema, the output SE and destinations against the data tier's allowed SEs, RSS and Rucio
usage, and the fingerprint (computed here from the steering text) against every existing production.
The agents' methods (task claims, failures, bookkeeping) also need ``ProductionManagement``: the agents run
with the production shifter's proxy or the host's certificate, which carries it.
"""

from __future__ import annotations

import json

from DIRAC import S_ERROR, S_OK
from DIRAC.ConfigurationSystem.Client.Helpers.Operations import Operations
from DIRAC.Core.DISET.RequestHandler import RequestHandler
from DIRAC.Core.Utilities.ObjectLoader import ObjectLoader
from DIRAC.ProductionSystem.Service.ProductionManagerHandler import (
    ProductionManagerHandlerMixin as DIRACProductionManagerHandlerMixin,
)

from BelleDIRAC.ProductionSystem.DB.TaskClaims import TaskClaims
from BelleDIRAC.ProductionSystem.Utilities import definition as prodDef
from BelleDIRAC.ProductionSystem.Utilities.state_machine import TS_STATUS, TransitionError, nextState

MANAGERS = ["ProductionManagement"]
READERS = ["authenticated"]
MAX_STEERING = 1024 * 1024


def destinationFacts(ses: list[str]) -> tuple[dict[str, str], dict[str, tuple[int, int]]]:
    """RSS write status and Rucio usage (used, total bytes) of SEs; SEs without a known size are left out."""
    from DIRAC.ResourceStatusSystem.Client.ResourceStatus import ResourceStatus

    status: dict[str, str] = {}
    res = ResourceStatus().getElementStatus(ses, "StorageElement", "WriteAccess")
    for se, states in (res.get("Value") or {}).items():
        status[se] = states.get("WriteAccess", "Unknown")
    usage: dict[str, tuple[int, int]] = {}
    try:
        from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement

        usage = B2RucioDataManagement().getUsage(ses)
    except Exception:  # Rucio down: the other guards still apply; a full SE is refused once Rucio answers
        pass
    return status, usage


class ProductionManagerHandlerMixin(DIRACProductionManagerHandlerMixin):
    """The Belle II production methods shared by the DIPS and Tornado handlers."""

    @classmethod
    def initializeHandler(cls, serviceInfoDict):
        res = super().initializeHandler(serviceInfoDict)
        if not res["OK"]:
            return res
        loaded = ObjectLoader().loadObject("TransformationSystem.DB.TransformationDB", "TransformationDB")
        if not loaded["OK"]:
            return loaded
        cls.claims = TaskClaims(loaded["Value"](), cls.productionDB.dbName)
        return S_OK()

    def _prod(self, prodID: int):
        res = self.productionDB.getBelleProductions({"ProductionID": int(prodID)})
        if not res["OK"]:
            return res
        return S_OK(res["Value"][0]) if res["Value"] else S_ERROR(f"no production {prodID}")

    types_addBelleProduction = [dict, str, str]
    auth_addBelleProduction = MANAGERS

    def export_addBelleProduction(self, data, steeringText, sandbox):
        """Add a production from its definition; refused with every reason when a guard fails."""
        if len(steeringText) > MAX_STEERING:
            return S_ERROR(f"steering file larger than {MAX_STEERING} bytes")
        try:
            defn = prodDef.validate(data)
        except prodDef.DefinitionError as exc:
            return S_ERROR(f"invalid definition: {exc}")
        if not sandbox.startswith("SB:"):
            return S_ERROR("the steering file must be uploaded to the SandboxStore first (SB: reference)")
        allowed = Operations().getOptionsDict("Production/DataTiers/" + defn["output"]["data_tier"])
        allowedSEs = (allowed.get("Value") or {}).get("AllowedSEs", "")
        tier = defn["output"]["data_tier"]
        ses = [defn["output"]["se"], *defn["output"]["destinations"]]
        status, usage = destinationFacts(ses)
        maxFill = Operations().getValue("Production/MaxSEFill", 0.95)
        problems = prodDef.checkDestinations(defn, {tier: [s.strip() for s in allowedSEs.split(",") if s.strip()]},
                                             status, usage, maxFill=maxFill)  # fmt: skip
        if problems:
            return S_ERROR("refused: " + "; ".join(problems))
        creds = self.getRemoteCredentials()
        row = {
            "Type": defn["type"],
            "Campaign": defn["campaign"],
            "Priority": defn["priority"],
            "Definition": json.dumps(defn, sort_keys=True),
            "Fingerprint": prodDef.fingerprint(defn, steeringText),
            "Sandbox": sandbox,
            "Description": defn.get("description", ""),
        }
        return self.productionDB.addBelleProduction(defn["name"], row, creds["username"], creds["group"],
                                                    lambda prodID: prodDef.outputDataset(defn, prodID))  # fmt: skip

    types_getBelleProductions = [dict]
    auth_getBelleProductions = READERS

    def export_getBelleProductions(self, condDict):
        """Productions (with definition, state and reason) matching ``condDict``."""
        return self.productionDB.getBelleProductions(condDict)

    types_setBelleProductionState = [int, str]
    auth_setBelleProductionState = MANAGERS

    def export_setBelleProductionState(self, prodID, action):
        """Apply a production manager's action (validate = start, stop, resume, clean) or an agent's
        (activate, fail, complete, cleaned): refused when the state machine does not allow it."""
        res = self._prod(prodID)
        if not res["OK"]:
            return res
        prod = res["Value"]
        try:
            new = nextState(prod["Status"], action, validated=bool(prod["Validated"]))
        except TransitionError as exc:
            return S_ERROR(str(exc))
        reason = None if action in ("fail", "complete") else ""
        res = self.productionDB.setBelleStatus(prodID, new, [prod["Status"]], reason)
        if not res["OK"]:
            return res
        self._syncTransformations(prod, new)
        return S_OK(new)

    def _syncTransformations(self, prod: dict, state: str) -> None:
        """The production's transformations follow its state (what the TS monitor and agents see)."""
        from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient

        for key in ("TransformationID", "MergeTransformationID"):
            if prod.get(key):
                res = TransformationClient().setTransformationParameter(prod[key], "Status", TS_STATUS[state])
                if not res["OK"]:
                    self.log.warn("Transformation status not updated", f"{prod[key]}: {res['Message']}")

    types_failBelleProduction = [int, str]
    auth_failBelleProduction = MANAGERS

    def export_failBelleProduction(self, prodID, reason):
        """An agent found the production cannot succeed: Failed, with the reason shown to its manager."""
        res = self._prod(prodID)
        if not res["OK"]:
            return res
        try:
            new = nextState(res["Value"]["Status"], "fail")
        except TransitionError as exc:
            return S_ERROR(str(exc))
        done = self.productionDB.setBelleStatus(prodID, new, [res["Value"]["Status"]], reason)
        if done["OK"]:
            self._syncTransformations(res["Value"], new)
        return done

    types_setBelleParameters = [int, dict]
    auth_setBelleParameters = MANAGERS

    def export_setBelleParameters(self, prodID, params):
        """Agent bookkeeping on a production (transformation IDs, scouts, validation flag, reason)."""
        return self.productionDB.setBelleParameters(prodID, params)

    # ---- tasks --------------------------------------------------------------------------------------------

    types_claimTasks = [int, int]
    auth_claimTasks = MANAGERS

    def export_claimTasks(self, transID, count):
        """Reserve up to ``count`` eligible tasks for the caller alone (see TaskClaims)."""
        return self.claims.claim(transID, count)

    types_confirmTasks = [int, dict]
    auth_confirmTasks = MANAGERS

    def export_confirmTasks(self, transID, jobs):
        """Claimed tasks were submitted: {taskID: jobID}; each counts as one more attempt."""
        jobs = {int(t): int(j) for t, j in jobs.items()}
        res = self.claims.confirm(transID, jobs)
        return res if not res["OK"] else self.productionDB.countAttempts(transID, list(jobs))

    types_releaseTasks = [int, list, list]
    auth_releaseTasks = MANAGERS

    def export_releaseTasks(self, transID, taskIDs, fromStatus):
        """Tasks back to Created, from the given statuses only."""
        return self.claims.release(transID, [int(t) for t in taskIDs], tuple(fromStatus or ["Reserved"]))

    types_getStaleClaims = [int, int]
    auth_getStaleClaims = MANAGERS

    def export_getStaleClaims(self, transID, olderThan):
        """Tasks reserved longer than ``olderThan`` seconds and never confirmed."""
        return self.claims.staleClaims(transID, olderThan)

    types_setTaskStatuses = [int, dict]
    auth_setTaskStatuses = MANAGERS

    def export_setTaskStatuses(self, transID, statuses):
        """Task statuses as the WMS reports them."""
        return self.claims.setStatus(transID, {int(t): s for t, s in statuses.items()})

    types_getTaskAttempts = [int, list]
    auth_getTaskAttempts = READERS

    def export_getTaskAttempts(self, transID, taskIDs):
        """Attempts, back-off and banned sites of tasks (all of the transformation's when ``taskIDs`` is empty)."""
        return self.productionDB.getTaskAttempts(transID, [int(t) for t in taskIDs])

    types_recordFailure = [int, int, int, dict, dict]
    auth_recordFailure = MANAGERS

    def export_recordFailure(self, prodID, transID, taskID, failure, retry):
        """A classified failed job, and the task's back-off/banned sites when it will be retried."""
        return self.productionDB.recordFailure(prodID, transID, taskID, failure, retry or None)

    types_getFailureStatistics = [int]
    auth_getFailureStatistics = READERS

    def export_getFailureStatistics(self, prodID):
        """(site, category, count) of a production's failed jobs."""
        return self.productionDB.getFailureStatistics(prodID)

    types_getFailedJobs = [int]
    auth_getFailedJobs = READERS

    def export_getFailedJobs(self, prodID):
        """Job IDs of a production's failed jobs."""
        return self.productionDB.getFailedJobs(prodID)

    types_addOutputs = [list]
    auth_addOutputs = MANAGERS

    def export_addOutputs(self, rows):
        """Bookkeeping: which job of which task wrote which file from which inputs."""
        return self.productionDB.addOutputs(rows)

    types_getOutputs = [int, dict]
    auth_getOutputs = READERS

    def export_getOutputs(self, prodID, selection):
        """A production's outputs (``selection``: Datablock, Merged)."""
        return self.productionDB.getOutputs(prodID, selection.get("Datablock"), selection.get("Merged"))

    types_setMerged = [list]
    auth_setMerged = MANAGERS

    def export_setMerged(self, lfns):
        """Outputs joined into a merged file."""
        return self.productionDB.setMerged(lfns)


class ProductionManagerHandler(ProductionManagerHandlerMixin, RequestHandler):
    """DIPS ProductionManager."""
