"""BelleRawDIRAC: the Belle II extension of DIRAC for the raw-data ("core computing") instance.

It builds on BelleDIRAC, so its priority is higher: where both ship a module at the same path, the
raw-data instance runs BelleRawDIRAC's.
"""

# One distribution ships both extensions: they share BelleDIRAC's version (and ``version`` for DIRAC).
from BelleDIRAC import __version__, version  # noqa: F401


def extension_metadata():
    """Describe the extension to DIRAC; see ``BelleDIRAC.extension_metadata``."""
    return {
        "priority": 110,
        "primary_extension": False,
    }
