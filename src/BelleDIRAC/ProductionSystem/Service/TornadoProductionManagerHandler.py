"""HTTPS (Tornado) ProductionManager with the Belle II production system; see ``ProductionManagerHandler``."""

from DIRAC.Core.Tornado.Server.TornadoService import TornadoService

from BelleDIRAC.ProductionSystem.Service.ProductionManagerHandler import ProductionManagerHandlerMixin


class TornadoProductionManagerHandler(ProductionManagerHandlerMixin, TornadoService):
    """Tornado ProductionManager."""
