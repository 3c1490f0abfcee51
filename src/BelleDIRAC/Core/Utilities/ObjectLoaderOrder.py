"""Keep extensions ahead of DIRAC in ObjectLoader after DIRAC reloads its root modules.

DIRAC 9.1.22's ``ObjectLoader.__generateRootModules`` builds the search order in the list it was given
and reverses it in place, and that list is the one ``reloadRootModules`` starts from again. Every script,
agent and service reloads once (``LocalConfiguration.enableCS``), which leaves the order
``["", "DIRAC", "BelleDIRAC", "BelleRawDIRAC", ""]``: DIRAC's module wins and every extension module
found through ObjectLoader (catalog plugins, ``JobExecutionCoordinator``, TS task plugins) is ignored,
while the same code in a process that never reloads uses the extension's.

:func:`install` makes ``reloadRootModules`` start again from DIRAC's default base (``["DIRAC"]``), which
gives the documented order ``["", <extensions by priority>, "DIRAC"]``. It is called when DIRAC first asks
for the extension's metadata, i.e. before any reload, and does nothing if DIRAC has fixed the order.
"""

from __future__ import annotations

_MARK = "_belleResetsBase"


def install() -> None:
    from DIRAC.Core.Utilities.ObjectLoader import ObjectLoader

    original = ObjectLoader.reloadRootModules
    if getattr(original, _MARK, False):
        return

    def reloadRootModules(self):
        self._ObjectLoader__baseModules = ["DIRAC"]
        original(self)

    setattr(reloadRootModules, _MARK, True)
    reloadRootModules.__doc__ = original.__doc__
    ObjectLoader.reloadRootModules = reloadRootModules
