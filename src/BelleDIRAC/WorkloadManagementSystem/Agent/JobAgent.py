"""BelleDIRAC's JobAgent: DIRAC's, with a bounded wait between empty match requests.

DIRAC's JobAgent sleeps ``2 * PollingTime * (failedMatches + 1)`` seconds after every request that
finds no job, without limit, so a pilot (or a long-lived agent on a test site) that has polled an
empty queue for a while takes minutes to notice new work. ``MaxMatchWait`` (seconds, 0 = DIRAC's
behaviour) caps that wait; ``StopAfterFailedMatches`` still counts every failed request.
"""

from DIRAC.WorkloadManagementSystem.Agent.JobAgent import JobAgent as DIRACJobAgent

from BelleDIRAC.WorkloadManagementSystem.Utilities.backoff import capped_failure_count


class JobAgent(DIRACJobAgent):
    """DIRAC's JobAgent with ``MaxMatchWait``."""

    def initialize(self):
        self._failedMatches = 0
        return super().initialize()

    def _checkMatchingIssues(self, jobRequest):
        # DIRAC resets matchFailedCount to 0 after a match; anything else is our capped value.
        if self.matchFailedCount == 0:
            self._failedMatches = 0
        self.matchFailedCount = self._failedMatches
        result = super()._checkMatchingIssues(jobRequest)
        self._failedMatches = self.matchFailedCount
        self.matchFailedCount = capped_failure_count(
            self.matchFailedCount,
            pollingTime=int(self.am_getOption("PollingTime")),
            maxWait=int(self.am_getOption("MaxMatchWait", 0)),
        )
        return result
