"""Client of the scouted-job-set methods BelleDIRAC's JobManager adds to DIRAC's."""

from DIRAC.WorkloadManagementSystem.Client.JobManagerClient import JobManagerClient


class ScoutingClient(JobManagerClient):
    """List job sets held in Scouting; release or fail them by hand (owner or JobAdministrator)."""

    def getScoutedJobSets(self, limit: int = 0):
        """S_OK([{"ScoutID", "Owner", "JobGroup", "Primaries": [ids], "Scouts": [[id, status], ...]}, ...])"""
        return self._getRPC().getScoutedJobSets(int(limit))

    def setScoutVerdict(self, jobIDs: list[int], action: str, reason: str = ""):
        """S_OK({"Moved": [ids], "NotInScouting": [ids]}); ``action`` is ``release`` or ``fail``."""
        return self._getRPC().setScoutVerdict([int(j) for j in jobIDs], action, reason)
