"""Production job logs on the live stack: every production job, MC and merge, archives its basf2 log as one
``.log.tgz`` in the production's ``log`` directory on the output SE, registered in Rucio; the bookkeeping
names it beside each output. A job whose steering fails at runtime (after the scouts passed) archives its
log too: that is the log anyone will want to read.
"""

from __future__ import annotations

import json
import tarfile

import pytest

from BelleDIRAC.gbasf2.lib.submission import LOG_FILE
from BelleDIRAC.ProductionSystem.Utilities.jobs import logDirectory
from tests.integration.test_production import add, definition, wait_prod

SE = "KEK-TMP-SE"
# Scouts process 10 events and pass; the production's jobs process 20 and fail after writing their output.
FAILS_ON_FULL_JOBS = """\
import basf2
path = basf2.create_path()
path.add_module("EventInfoSetter")
path.add_module("RootOutput", outputFileName="mc.mdst.root")
basf2.process(path)
if basf2.statistics.processed > 10:
    basf2.B2FATAL("fails on full jobs only")
"""


def start(prodmgr, tmp_path, **over) -> dict:
    proc = add(prodmgr, definition(tmp_path, **over), "--start")
    assert proc.returncode == 0, proc.stderr
    prodID = json.loads(proc.stdout)["ProductionID"]
    return wait_prod(prodmgr, prodID, {"Completed", "Failed"}, timeout=600)


def job_logs(client, transID: int) -> dict[int, dict]:
    """``{jobID: {"Status", "ApplicationStatus", "LogLFN"}}`` of the transformation's jobs (not its scouts)."""
    return client.python(
        "from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient\n"
        "mon = JobMonitoringClient()\n"
        f"ids = mon.getJobs({{'JobGroup': '{transID:08d}'}})['Value']\n"
        "ids = [int(i) for i in ids]\n"
        "attrs = {int(k): v for k, v in mon.getJobsSummary(ids)['Value'].items()}\n"
        "params = {int(k): v for k, v in mon.getJobParameters(ids, ['LogLFN'])['Value'].items()}\n"
        "result = {i: {'Status': attrs[i]['Status'], 'ApplicationStatus': attrs[i]['ApplicationStatus'],\n"
        "              'LogLFN': (params.get(i) or {}).get('LogLFN', '')}\n"
        "          for i in ids if '_scout_' not in attrs[i]['JobName']}\n"
    )


def replicas(client, lfns: list[str]) -> dict:
    return client.python(
        "from DIRAC.Resources.Catalog.FileCatalog import FileCatalog\n"
        f"result = FileCatalog().getReplicas({lfns!r})['Value']\n"
    )


def fetch_log(client, lfn: str, tmp_path) -> str:
    """The basf2 log inside the archive ``lfn``, downloaded from its SE with gb2_ds_get."""
    got = client.run("gb2_ds_get", lfn, "--force", cwd=tmp_path, timeout=180)
    assert got.returncode == 0, got.stdout + got.stderr
    archive = next(tmp_path.rglob(lfn.rsplit("/", 1)[1]))
    with tarfile.open(archive) as tar:
        assert LOG_FILE in tar.getnames()
        return tar.extractfile(LOG_FILE).read().decode()


@pytest.mark.integration
def test_every_done_job_archives_its_log(prodmgr, tmp_path):
    status = start(prodmgr, tmp_path)
    prod = status["Production"]
    assert prod["Status"] == "Completed", status
    logDir = logDirectory(prod["OutputPath"])
    rows = prodmgr.python(
        "from BelleDIRAC.ProductionSystem.Client.ProductionClient import ProductionClient\n"
        f"result = ProductionClient().getOutputs({prod['ProductionID']}, {{}})['Value']"
    )
    produced = [r for r in rows if r["TransformationID"] == prod["TransformationID"]]
    merged = [r for r in rows if r["TransformationID"] == prod["MergeTransformationID"]]
    assert len(produced) == 3 and len(merged) == 1
    # the bookkeeping names each Done job's archive, in the datablock of its outputs, named after the job
    for row in produced:
        name = f"{prod['TransformationID']:08d}_{row['TaskID']:08d}_job{row['JobID']}_00.log.tgz"
        assert row["LogLFN"] == f"{logDir}/sub00/{name}", row
    assert merged[0]["LogLFN"].startswith(f"{logDir}_merged/sub00/{prod['MergeTransformationID']:08d}_")
    # ... which is the job parameter the job set
    jobs = job_logs(prodmgr, prod["TransformationID"])
    assert {r["LogLFN"] for r in produced} == {j["LogLFN"] for j in jobs.values() if j["Status"] == "Done"}
    # in Rucio, on the output SE; the archive holds the job's basf2 log
    lfns = sorted(r["LogLFN"] for r in rows)
    found = replicas(prodmgr, lfns)
    assert found["Failed"] == {}
    assert all(list(found["Successful"][lfn]) == [SE] for lfn in lfns)
    assert "[INFO] processed 10 events" in fetch_log(prodmgr, produced[0]["LogLFN"], tmp_path)


@pytest.mark.integration
def test_a_job_whose_steering_fails_archives_its_log(prodmgr, tmp_path):
    status = start(prodmgr, tmp_path, steering=FAILS_ON_FULL_JOBS, events=20, events_per_job=20, max_attempts=1)
    prod = status["Production"]
    assert prod["Status"] == "Failed", status  # past the scouts: its one job failed at runtime
    assert status["Tasks"]["TransformationID"] == {"Failed": 1}
    jobs = job_logs(prodmgr, prod["TransformationID"])
    assert [j["Status"] for j in jobs.values()] == ["Failed"], jobs
    job = next(iter(jobs.values()))
    assert job["ApplicationStatus"] == "basf2 failed (exit 1)"  # the outcome, not the log upload's
    assert job["LogLFN"].startswith(logDirectory(prod["OutputPath"]) + "/sub00/")
    assert list(replicas(prodmgr, [job["LogLFN"]])["Successful"][job["LogLFN"]]) == [SE]
    log = fetch_log(prodmgr, job["LogLFN"], tmp_path)
    assert "[FATAL] fails on full jobs only" in log
