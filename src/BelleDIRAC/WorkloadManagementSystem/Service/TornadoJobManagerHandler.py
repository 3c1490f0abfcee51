"""HTTPS (Tornado) JobManager with the Belle II JDL policy; see ``JobManagerHandler``."""

from DIRAC.Core.Tornado.Server.TornadoService import TornadoService

from BelleDIRAC.WorkloadManagementSystem.Service.JobManagerHandler import JobManagerHandlerMixin


class TornadoJobManagerHandler(JobManagerHandlerMixin, TornadoService):
    """Tornado JobManager."""

    def initializeRequest(self):
        return JobManagerHandlerMixin.initializeRequest(self)
