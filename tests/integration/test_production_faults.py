"""Production faults on the live stack: a site whose software area is broken fails every job it runs, and a
submission agent is killed in the middle of a cycle.

* The broken site: once the scouts have passed, only that site's pilots run, with a software area that
  does not exist (a site whose CVMFS is broken). Its jobs fail with "Software not found"; the monitoring
  agent classifies them, records them per site and reason, bans the site for the production and
  resubmits the tasks, which finish at the other sites once their pilots are back.
* The killed agent: the submission agent is killed with SIGKILL while it holds claims on tasks it has not
  yet recorded as submitted; a second agent runs beside the restarted one. In the end every task has
  exactly one job, and no task is left claimed.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from b2stack import pilots, procs, stack
from tests.integration.conftest import register_inputs
from tests.integration.test_production import add, definition, prod_status, wait_prod

BROKEN = "LCG.CNAF.it"
GOOD = ("LCG.KEK.jp", "LCG.DESY.de")
AGENT = "ProductionSubmissionAgent"
MONITOR = "ProductionMonitoringAgent"


def start_agent(name: str = AGENT, *options: str, component: str = AGENT) -> None:
    _, argv, env, _port = next(c for c in stack.components() if c[0] == component)
    stack.start_component(name, argv + [arg for opt in options for arg in ("-o", opt)], env)


def add_started(prodmgr, tmp_path, **over) -> tuple[int, dict]:
    proc = add(prodmgr, definition(tmp_path, **over), "--start")
    assert proc.returncode == 0, proc.stderr
    prodID = json.loads(proc.stdout)["ProductionID"]
    status = wait_prod(prodmgr, prodID, {"Active", "Failed"}, timeout=300)
    assert status["Production"]["Status"] == "Active", status
    return prodID, status["Production"]


def production_jobs(jobdb, transID: int) -> list[tuple]:
    """(JobID, JobName, Status, Site) of the transformation's task jobs (scouts left out)."""
    jobdb.commit()
    cur = jobdb.cursor()
    cur.execute("SELECT JobID, JobName, Status, Site FROM Jobs WHERE JobGroup = %s AND JobName NOT LIKE %s",
                (f"{transID:08d}", "%scout%"))  # fmt: skip
    return list(cur.fetchall())


def listing(client, block: str) -> list[str]:
    out = client.run("gb2_ds_list", block)
    return [line.strip().rsplit("/", 1)[-1] for line in out.stdout.splitlines() if line.strip().endswith(".root")]


def failures(prodmgr, prodID: int) -> dict[tuple[str, str], int]:
    return {(site, category): count for site, category, count in prod_status(prodmgr, prodID)["Failures"]}


@pytest.mark.integration
def test_jobs_failing_at_a_broken_site_are_resubmitted_elsewhere_and_counted(prodmgr, jobdb, tmp_path):
    procs.stop(AGENT)
    try:
        prodID, prod = add_started(prodmgr, tmp_path)
        transID, block = prod["TransformationID"], prod["OutputPath"] + "/sub00"
        procs.stop(MONITOR)  # the failures are diagnosed once a failed job's half-written output is in place
        for site in GOOD:
            pilots.stop(site)
        pilots.stop(BROKEN)
        pilots.start(BROKEN, {"BELLE2_SOFTWARE_AREA": "/cvmfs/belle.cern.ch/not-mounted"})
        start_agent()
        deadline = time.monotonic() + 240
        while len([j for j in production_jobs(jobdb, transID) if j[2] == "Failed"]) < 2:
            assert time.monotonic() < deadline, production_jobs(jobdb, transID)
            time.sleep(2)
        # an output a failed job uploaded before it failed: cleaning must remove it, and it alone
        failedJob = next(j[0] for j in production_jobs(jobdb, transID) if j[2] == "Failed")
        register_inputs(prodmgr, block, {f"mc_00000_job{failedJob}_00.mdst.root": "1 half-written\n"})
        start_agent(MONITOR, component=MONITOR)
        while sum(failures(prodmgr, prodID).values()) < 2 and time.monotonic() < deadline:
            time.sleep(5)
        seen = failures(prodmgr, prodID)
        assert set(seen) == {(BROKEN, "software")} and seen[(BROKEN, "software")] >= 2, seen
        for site in GOOD:  # the broken site stays broken until the production is over
            pilots.start(site)
        status = wait_prod(prodmgr, prodID, {"Completed", "Failed"}, timeout=420)
    finally:
        pilots.stop(BROKEN)
        pilots.start_all()
        start_agent()
        start_agent(MONITOR, component=MONITOR)
    assert status["Production"]["Status"] == "Completed", status
    assert status["Tasks"]["TransformationID"] == {"Done": 3}
    jobs = production_jobs(jobdb, prod["TransformationID"])
    done = [j for j in jobs if j[2] == "Done"]
    assert len(done) == 3 and {j[3] for j in done} <= set(GOOD), jobs
    assert {j[3] for j in jobs if j[2] == "Failed"} == {BROKEN}, jobs
    # the failed tasks ran again, and not at the broken site
    attempts = prodmgr.python(f"""
        from BelleDIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
        result = ProductionClient().getTaskAttempts({prod["TransformationID"]}, [])["Value"]
        """)
    retried = {task: a for task, a in attempts.items() if a["Attempts"] > 1}
    assert retried and all(BROKEN in a["BannedSites"] for a in retried.values()), attempts
    # what the production manager reads
    text = prodmgr.run("belle-prod-status", str(prodID), check=True).stdout
    assert "Failures per site and reason:" in text and BROKEN in text and "software" in text, text
    final = failures(prodmgr, prodID)
    assert set(final) == {(BROKEN, "software")}, final
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        left = listing(prodmgr, block)
        if not any(f"_job{failedJob}_" in name for name in left):
            break
        time.sleep(5)
    expected = [f"mc_{int(name.rsplit('_', 1)[1]) - 1:05d}_job{job}_00.mdst.root" for job, name, _s, _site in done]
    assert sorted(left) == sorted(expected), left


@pytest.mark.integration
def test_submission_agent_killed_mid_cycle_loses_and_duplicates_nothing(prodmgr, jobdb, tmp_path):
    tasks, prodID, transID = 120, 0, 0
    procs.stop(AGENT)
    try:
        prodID, prod = add_started(prodmgr, tmp_path, events=tasks, events_per_job=1)
        transID = prod["TransformationID"]
        for site in (*GOOD, BROKEN):
            pilots.stop(site)  # the jobs need not run: what matters is which were submitted
        # small bulks: many submissions per cycle, so the kill lands between two of them
        start_agent(AGENT, "BulkSize=3", "ClaimTimeout=15")
        deadline = time.monotonic() + 120
        while not production_jobs(jobdb, transID) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(procs.running_pid(AGENT), signal.SIGKILL)
        while procs.running_pid(AGENT) and time.monotonic() < deadline:
            time.sleep(0.05)
        before = len(production_jobs(jobdb, transID))
        assert 0 < before < tasks, f"the kill missed the cycle: {before} of {tasks} jobs submitted"
        print(f"agent killed after submitting {before}/{tasks} jobs")
        # two agents now share the rest: the restarted one and another beside it
        start_agent(AGENT, "BulkSize=7", "ClaimTimeout=15")
        start_agent(f"{AGENT}-2", "BulkSize=5", "ClaimTimeout=15")
        deadline = time.monotonic() + 180
        while len(production_jobs(jobdb, transID)) < tasks and time.monotonic() < deadline:
            time.sleep(2)
        time.sleep(20)  # a duplicate would show up now
        jobs = production_jobs(jobdb, transID)
        names = sorted(j[1] for j in jobs)
        assert names == [f"{transID:08d}_{t:08d}" for t in range(1, tasks + 1)], "one job per task"
        stats = prod_status(prodmgr, prodID)["Tasks"]["TransformationID"]
        assert "Created" not in stats and sum(stats.values()) == tasks, stats
    finally:
        procs.stop(f"{AGENT}-2")
        procs.stop(AGENT)
        start_agent()
        pilots.start_all()
    if prodID:  # the jobs were only there to be counted
        prodmgr.run("belle-prod-stop", str(prodID))
        prodmgr.python(f"""
            from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
            from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
            jobs = JobMonitoringClient().getJobs({{"JobGroup": "{transID:08d}"}})["Value"]
            result = WMSClient().deleteJob([int(j) for j in jobs])["OK"]
            """)
