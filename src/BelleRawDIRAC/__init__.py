"""BelleRawDIRAC: the Belle II extension of DIRAC for the raw-data ("core computing") instance.

It builds on BelleDIRAC, so its priority is higher: where both ship a module at the same path, the
raw-data instance runs BelleRawDIRAC's.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("BelleDIRAC")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"


def extension_metadata():
    """Describe the extension to DIRAC; see ``BelleDIRAC.extension_metadata``."""
    return {
        "priority": 110,
        "primary_extension": False,
    }
