"""The input files of a data-processing production: its datasets expanded, or its metadata query resolved.

Datasets (containers or ``subNN`` datablocks) are walked in the catalog the way ``gb2_ds_list`` does; a
metadata query selects datablocks in Rucio (``B2RucioDataManagement.findDatasets``) whose files are then
listed. Only the newest ``_RR`` of each job output is kept, as gbasf2 does for analysts.
"""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib import naming
from BelleDIRAC.gbasf2.lib.ds import catalog, expand


def inputFiles(spec: dict) -> list[str]:
    """Sorted LFNs of the ``input`` section of a validated definition; CatalogError/ValueError if unresolved."""
    fc = catalog.fileCatalog()
    listDir = catalog.lister(fc)
    if "query" in spec:
        from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement

        res = B2RucioDataManagement().findDatasets(dict(spec["query"]))
        if not res["OK"]:
            raise ValueError(res["Message"])
        datasets = res["Value"]
    else:
        datasets = list(spec["datasets"])
    files: set[str] = set()
    for dataset in datasets:
        found = expand.expand(dataset, listDir)
        if not found:
            raise ValueError(f"no files in {dataset}")
        files.update(found)
    return naming.newestOnly(sorted(files))
