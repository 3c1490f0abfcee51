"""Start DIRAC for a client program without touching its command line or its stdout.

The gb2 tools parse their own options (``-s`` is a release, ``-f`` a file list, ``-d`` a destination SE: all
clash with DIRAC's general options), and programs such as b2luigi's helper scripts import BelleDIRAC and
print JSON on stdout. So :func:`initializeCS` loads the configuration and credentials the way
``DIRAC.initialize`` does, never parses ``sys.argv``, and sends DIRAC's log to stderr at a quiet level.
"""

from __future__ import annotations

import os

_initialized = False


def quietLogging(level: str = "ERROR") -> None:
    """DIRAC's logger writes to stdout by default; a client's stdout is its answer, so log to stderr."""
    from DIRAC import gLogger

    for backend in list(gLogger._backendsList):  # no public way to drop the default stdout backend
        gLogger._logger.removeHandler(backend.getHandler())
    del gLogger._backendsList[:]
    gLogger.registerBackend("stderr")
    gLogger.setLevel(os.environ.get("GB2_LOG_LEVEL", level))


def initializeCS(logLevel: str = "ERROR", contactCS: bool = True) -> None:
    """Load the client configuration (``DIRAC_ROOT_PATH``/``DIRACSYSCONFIG``/``~/.dirac.cfg``) once.

    Credentials are not required here: each tool checks its proxy itself (:mod:`.auth`) so that the user is
    told to run ``gb2_proxy_init`` instead of seeing a DIRAC traceback. ``contactCS=False`` loads the local
    files only (the CS needs a proxy; making one comes first), as DIRAC's ``Script.disableCS`` does.
    """
    global _initialized
    if _initialized:
        return
    quietLogging(logLevel)
    import DIRAC
    from DIRAC.Core.Security import Locations

    if not contactCS or not Locations.getProxyLocation():  # without a proxy the CS only answers with errors
        from DIRAC.ConfigurationSystem.private.Refresher import gRefresher

        gRefresher.disable()

    DIRAC.initialize(require_auth=False, log_level=os.environ.get("GB2_LOG_LEVEL", logLevel))
    quietLogging(logLevel)  # initialize() may have configured the logger again from the CS
    _initialized = True
