"""BelleDIRAC's JobManager: DIRAC's, refusing JDL that users must not be trusted with.

ModuleLoader finds this module before DIRAC's (same path, higher-priority extension), so every
submission, DIPS or HTTPS, passes :func:`checkUserJDL` before DIRAC validates and stores it. A refused
job set leaves nothing in JobDB. Scouted job sets can be listed and released or failed by hand, with
DIRAC's job rights: the owner or a JobAdministrator. All other methods are DIRAC's.
"""

from DIRAC import S_ERROR, S_OK
from DIRAC.Core.DISET.RequestHandler import RequestHandler
from DIRAC.Core.Security import Properties
from DIRAC.WorkloadManagementSystem.Service.JobManagerHandler import (
    JobManagerHandlerMixin as DIRACJobManagerHandlerMixin,
)
from DIRAC.WorkloadManagementSystem.Service.JobPolicy import RIGHT_KILL, RIGHT_RESCHEDULE

from BelleDIRAC.WorkloadManagementSystem.Utilities.jdl_policy import checkUserJDL
from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import FAIL, RELEASE, summarizeSets
from BelleDIRAC.WorkloadManagementSystem.Utilities.ScoutedJobs import ScoutedJobs

#: Who sees every user's scouted sets (others see their own)
SCOUT_VIEWERS = {Properties.JOB_ADMINISTRATOR, Properties.JOB_MONITOR}


class JobManagerHandlerMixin(DIRACJobManagerHandlerMixin):
    """The JobManager logic shared by the DIPS and Tornado handlers."""

    types_submitJob = [str]

    def export_submitJob(self, jobDesc):
        """Submit a job (or a parametric job set) after the Belle II JDL policy accepted it."""
        result = checkUserJDL(jobDesc, self.userProperties)
        if not result["OK"]:
            self.log.warn("JDL refused", f"for {self.owner}/{self.ownerGroup}: {result['Message']}")
            return result
        return super().export_submitJob(jobDesc)

    def _scoutedJobs(self) -> ScoutedJobs:
        return ScoutedJobs(self.jobDB, self.jobLoggingDB, source=f"JobManager ({self.owner})")

    types_getScoutedJobSets = [int]
    auth_getScoutedJobSets = ["authenticated"]

    def export_getScoutedJobSets(self, limit):
        """Job sets in Scouting with their scouts' states; a user who is not an administrator or monitor
        sees only their own."""
        jobs = self._scoutedJobs()
        try:
            primaries = jobs.held(limit=max(0, limit))
            if not SCOUT_VIEWERS.intersection(self.userProperties):
                primaries = {j: p for j, p in primaries.items() if p["Owner"] == self.owner}
            sets = summarizeSets(primaries, jobs.scouts(primaries))
        except RuntimeError as exc:
            return S_ERROR(f"Cannot read scouted jobs: {exc}")
        for row in sets:
            row["Scouts"] = sorted(row["Scouts"].items())
        return S_OK(sets)

    types_setScoutVerdict = [list, str, str]
    auth_setScoutVerdict = ["authenticated"]

    def export_setScoutVerdict(self, jobIDs, action, reason):
        """Release (``release``) or fail (``fail``) primaries held in Scouting, as their scouts would.

        Releasing needs the reschedule right on every job, failing the kill right (DIRAC's JobPolicy:
        the owner, a JobAdministrator, or the owner's group if it shares jobs); nothing is moved unless
        the caller holds the right on all of them.
        """
        if action not in (RELEASE, FAIL):
            return S_ERROR(f"action must be {RELEASE!r} or {FAIL!r}, not {action!r}")
        try:
            jobList = sorted({int(j) for j in jobIDs})
        except (TypeError, ValueError):
            return S_ERROR("job IDs must be integers")
        if not jobList:
            return S_ERROR("no job IDs given")
        right = RIGHT_RESCHEDULE if action == RELEASE else RIGHT_KILL
        _valid, invalid, nonauth, _own = self.jobPolicy.evaluateJobRights(jobList, right)
        if invalid or nonauth:
            result = S_ERROR(f"not allowed to {action} jobs {nonauth + invalid} (not yours, or unknown)")
            result.update({"NonauthorizedJobIDs": nonauth, "InvalidJobIDs": invalid})
            return result
        jobs = self._scoutedJobs()
        why = f"Failed by hand: {reason or 'no reason given'} ({self.owner})"
        try:
            moved = jobs.release(jobList, minor="Scouting") if action == RELEASE else jobs.fail(jobList, why)
        except RuntimeError as exc:
            return S_ERROR(f"Cannot {action} scouted jobs: {exc}")
        self.log.notice(f"Scouted jobs: {action} by hand", f"{len(moved)} jobs by {self.owner}: {reason}")
        return S_OK({"Moved": moved, "NotInScouting": sorted(set(jobList) - set(moved))})


class JobManagerHandler(JobManagerHandlerMixin, RequestHandler):
    """DIPS JobManager."""

    def initialize(self):
        return self.initializeRequest()
