"""``gbasf2`` submission of a project over 1000 input files, end to end: the command's wall time from start
until it returns with every job in the JobDB (input expansion in Rucio, sandbox upload, JDLs, submission).

The input dataset is put with ``gb2_ds_put`` beforehand (not timed). The jobs are deleted as soon as the
command returned, so the local pilots never run them; nothing waits for a job to run. The inputs and
anything registered under the project are removed at the end.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.bench_ds_get import remove, upload
from tests.integration.conftest import Client

RELEASE = "light-2511-gacrux"
STEERING = """\
import basf2
path = basf2.create_path()
path.add_module("RootInput")
path.add_module("VariablesToNtuple", fileName="ntuple.udst.root")
basf2.process(path)
"""


def _delete_project_jobs(client: Client, project: str) -> int:
    """Delete every job of ``project`` (one bulk call, as its owner); how many there were."""
    return client.python(
        f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        ids = JobMonitoringClient().getJobs({{"Owner": {client.user!r}, "JobGroup": {project!r}}})["Value"]
        ids = sorted(int(i) for i in ids)
        if ids:
            res = WMSClient().deleteJob(ids)
            assert res["OK"], res
        result = len(ids)
        """,
        timeout=600,
    )


def submit(n: int = 1000) -> dict[str, float]:
    client = Client("b2analyst", "belle_user")
    project = f"bench{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        name, _lfns, _t = upload(client, n, work, "bench-gbin")
        try:
            (work / "steering.py").write_text(STEERING)
            start = time.monotonic()
            proc = client.run(
                "gbasf2", "steering.py", "-p", project, "-s", RELEASE, "-i", f"/belle/user/{client.user}/{name}",
                "--force", cwd=work, timeout=3600,
            )  # fmt: skip
            seconds = time.monotonic() - start
            jobs = _delete_project_jobs(client, project)
            if proc.returncode or f"** Number of jobs: {n}" not in proc.stdout or jobs < n:
                raise SystemExit(f"gbasf2 made {jobs} jobs for {n} inputs:\n{proc.stdout[-3000:]}\n{proc.stderr}")
        finally:
            _delete_project_jobs(client, project)
            remove(client, f"/belle/user/{client.user}/{name}")
            remove(client, f"/belle/user/{client.user}/{project}")
    return {f"gbasf2_submit_{n}_s": round(seconds, 2), f"gbasf2_submit_{n}_jobs": jobs}


if __name__ == "__main__":
    import json

    print(json.dumps(submit(int(os.environ.get("B2_BENCH_GBASF2", "1000")))))
