"""BelleDIRAC's JobManager: DIRAC's, refusing JDL that users must not be trusted with.

ModuleLoader finds this module before DIRAC's (same path, higher-priority extension), so every
submission, DIPS or HTTPS, passes :func:`checkUserJDL` before DIRAC validates and stores it. A refused
job set leaves nothing in JobDB. All other methods are DIRAC's, with DIRAC's authorization.
"""

from DIRAC.Core.DISET.RequestHandler import RequestHandler
from DIRAC.WorkloadManagementSystem.Service.JobManagerHandler import (
    JobManagerHandlerMixin as DIRACJobManagerHandlerMixin,
)

from BelleDIRAC.WorkloadManagementSystem.Utilities.jdl_policy import checkUserJDL


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


class JobManagerHandler(JobManagerHandlerMixin, RequestHandler):
    """DIPS JobManager."""

    def initialize(self):
        return self.initializeRequest()
