"""BelleRawDIRAC: the Belle II extension of DIRAC for the raw-data ("core computing") instance.

It builds on BelleDIRAC, so its priority is higher: where both ship a module at the same path, the
raw-data instance runs BelleRawDIRAC's.
"""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("BelleDIRAC")
except importlib.metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
# DIRAC reports the highest-priority extension's ``version`` string (job parameters, pilot logs).
version = __version__


def extension_metadata():
    """Describe the extension to DIRAC; see ``BelleDIRAC.extension_metadata``."""
    return {
        "priority": 110,
        "primary_extension": False,
    }
