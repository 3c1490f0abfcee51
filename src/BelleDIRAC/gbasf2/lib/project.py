"""The server side of ``gbasf2``: whether a project exists, which files its inputs are, and submission.

Thin on purpose: decisions are in :mod:`.submission` and :mod:`.naming`; this module asks DIRAC (JobDB
through JobMonitoring, the Rucio catalog through DIRAC's FileCatalog) and submits through
:func:`~BelleDIRAC.WorkloadManagementSystem.Client.Scouts.submitScoutedJobSet`.
"""

from __future__ import annotations

import os
import shutil

from DIRAC import S_ERROR, S_OK

from BelleDIRAC.gbasf2.lib import naming


def existingJobs(user: str, project: str):
    """``S_OK(n)``: jobs of ``user`` in the project, deleted ones included (a name is never reused)."""
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    result = JobMonitoringClient().getJobs({"Owner": user, "JobGroup": project})
    return S_OK(len(result["Value"])) if result["OK"] else result


def primaryJobs(user: str, project: str):
    """``S_OK(n)``: the project's jobs that produce outputs (not its scouts): the next output index."""
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    result = JobMonitoringClient().getJobs({"Owner": user, "JobGroup": project, "JobName": project})
    return S_OK(len(result["Value"])) if result["OK"] else result


def datasetExists(dataset: str):
    from DIRAC.Resources.Catalog.FileCatalog import FileCatalog

    result = FileCatalog().isDirectory(dataset)
    if not result["OK"]:
        return result
    return S_OK(bool(result["Value"]["Successful"].get(dataset)))


def resolveInputs(lpns: list[str]):
    """``S_OK(sorted LFNs)`` of the files below the given LPNs (files, datablocks, datasets, collections);
    an LPN that does not exist, or holds no file, is an error naming it. Only the newest reschedule of a
    gbasf2 output is taken. The walk is the data tools' (:mod:`.ds.expand`), one listing per level."""
    from BelleDIRAC.gbasf2.lib.ds import catalog
    from BelleDIRAC.gbasf2.lib.ds.expand import FILE, allFiles

    listDir = catalog.lister(catalog.fileCatalog())
    try:
        tops = listDir(list(dict.fromkeys(lpns)))
        unknown = sorted(lpn for lpn in lpns if tops.get(lpn) is None)
        if unknown:
            return S_ERROR(f"input not found: {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}")
        files = {lpn for lpn, entry in tops.items() if entry == FILE}
        empty = []
        for lpn, entry in tops.items():
            if entry != FILE:
                found = allFiles([lpn], listDir, {lpn: entry})
                empty += [] if found else [lpn]
                files |= found
    except catalog.CatalogError as exc:
        return S_ERROR(str(exc))
    if empty:
        return S_ERROR(f"no files in: {', '.join(empty)}")
    return S_OK(naming.newestOnly(files))


def stage(paths: list[str], directory: str) -> list[str]:
    """Copies of ``paths`` (resolved against the working directory, symlinks followed) in ``directory``
    under the names the user gave, so the job sees the same names and no dangling link is shipped."""
    staged = []
    for path in paths:
        source = os.path.join(os.getcwd(), path)
        if not os.path.isfile(source):
            raise FileNotFoundError(f"input sandbox file not found: {path}")
        target = os.path.join(directory, os.path.basename(path))
        if os.path.exists(target):
            raise FileExistsError(f"two input sandbox files are named {os.path.basename(path)}")
        shutil.copyfile(source, target)
        staged.append(target)
    return staged


def submit(jdl: str, group: str, noscout: bool):
    from BelleDIRAC.WorkloadManagementSystem.Client.Scouts import submitScoutedJobSet

    return submitScoutedJobSet(jdl, group, noscout=noscout)
