"""Fetch jobs' output sandboxes (their logs) into ``./log/<jobid>/`` or ``./log/<project>/<jobid>/``.

b2luigi moves ``./log/<project>/`` away after every call, so that directory is created even when no job has
a sandbox, and a missing sandbox (job still running, or lost) is reported but is not an error. Each job
directory also gets ``job.info``: the job's state when the logs were taken, the first thing to read when a
job failed.
"""

from __future__ import annotations

import os

from BelleDIRAC.gbasf2.lib.job.information_collector import publicRecord


def logRoot(cwd: str, project: str | None = None) -> str:
    """``<cwd>/log`` or ``<cwd>/log/<project>``: always the real working directory, never ``$PWD``."""
    root = os.path.join(cwd, "log")
    return os.path.join(root, project) if project else root


def jobInfo(jobID: int, attrs: dict) -> str:
    lines = [f"JobID: {jobID}"] + [f"{key}: {value}" for key, value in publicRecord(attrs).items()]
    return "\n".join(lines) + "\n"


def download(jobs: dict, root: str) -> dict[int, str | None]:
    """Download each job's output sandbox into ``<root>/<jobid>``; ``{jobID: None or why it failed}``."""
    from DIRAC.WorkloadManagementSystem.Client.SandboxStoreClient import SandboxStoreClient

    client = SandboxStoreClient()
    os.makedirs(root, exist_ok=True)
    results: dict[int, str | None] = {}
    for jobID, attrs in sorted(jobs.items()):
        target = os.path.join(root, str(jobID))
        os.makedirs(target, exist_ok=True)
        with open(os.path.join(target, "job.info"), "w") as handle:
            handle.write(jobInfo(jobID, attrs))
        result = client.downloadSandboxForJob(int(jobID), "Output", destinationPath=target)
        results[int(jobID)] = None if result["OK"] else result["Message"]
    return results
