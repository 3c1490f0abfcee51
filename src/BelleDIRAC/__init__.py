"""BelleDIRAC: the Belle II extension of DIRAC for the distributed-computing instance.

DIRAC finds this package through the ``dirac`` entry point and prefers its modules over DIRAC's own
wherever they mirror DIRAC's paths (agents, services, executors, DBs, catalog plugins).
"""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("BelleDIRAC")
except importlib.metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
# DIRAC reports the highest-priority extension's ``version`` string (job parameters, pilot logs).
version = __version__


def extension_metadata():
    """Describe the extension to DIRAC (read by ``DIRAC.Core.Utilities.Extensions``).

    Priority 100 puts BelleDIRAC above DIRAC (0) and WebAppDIRAC (10), as every VO extension does.
    DIRAC calls this before it builds ObjectLoader's search order: the moment to keep that order right.
    """
    from BelleDIRAC.Core.Utilities import ObjectLoaderOrder

    ObjectLoaderOrder.install()
    return {
        "priority": 100,
        "primary_extension": True,
        "setups": {"Belle-Local": "https://localhost:19135/Configuration/Server"},
        "default_setup": "Belle-Local",
    }
