"""The dataset API programs call (b2luigi's ``gbasf2_ds_list.py``): which files a query selects.

b2luigi asks ``Manager().getLfns(dataType=None, dataset=<query>, user=<user>)`` in three shapes and prints
``Value`` as JSON itself, so nothing here may write to stdout:

1. a bare project name ("does the output exist?"): resolved under ``/belle/user/<user>/``; the answer is
   the dataset's files, so it is non-empty exactly when the dataset has content;
2. ``/belle/user/<user>/<project>/sub*/<stem>_*<exts>``: the matching file LFNs, every ``_RR`` version
   (b2luigi keeps the newest itself);
3. group LPNs (``/belle/group/...``), plain or with the same wildcards.

Nothing matching is ``S_OK([])``; ``S_ERROR`` only when the catalog cannot answer.
"""

from __future__ import annotations

from DIRAC import S_ERROR, S_OK

from BelleDIRAC.gbasf2.lib import naming
from BelleDIRAC.gbasf2.lib.ds import catalog, query
from BelleDIRAC.gbasf2.lib.ds.expand import expand


class Manager:
    """Dataset queries answered from the file catalog (the Rucio plugin behind DIRAC's FileCatalog)."""

    def __init__(self):
        self._fc = None

    @property
    def fc(self):
        if self._fc is None:
            self._fc = catalog.fileCatalog()
        return self._fc

    def resolve(self, dataset: str, user: str | None = None) -> str:
        """The absolute LPN of ``dataset`` (relative names are the user's; the proxy's user by default)."""
        if not str(dataset or "").startswith("/") and not user:
            from BelleDIRAC.gbasf2.lib.auth import currentUser

            user = currentUser()[0]
        return naming.resolveLPN(dataset, user or "")

    def getLfns(self, dataType=None, dataset=None, user=None):
        """``S_OK(sorted file LFNs)`` selected by ``dataset`` (an LPN, LFN, project name or wildcard).

        ``dataType`` is accepted for compatibility with older callers and restricts nothing: the LPN says
        where the data are.
        """
        try:
            lpn = self.resolve(dataset, user)
        except naming.NamingError as exc:
            return S_ERROR(str(exc))
        try:
            return S_OK(expand(lpn, catalog.lister(self.fc)))
        except (catalog.CatalogError, query.QueryError) as exc:
            return S_ERROR(str(exc))
