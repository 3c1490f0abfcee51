"""The Scouting optimizer on the live stack: primaries are held in Scouting, bad ScoutIDs fail, others pass."""

import re
import time

from tests.integration.test_wms import HELLO_JDL, submit


def with_scout_id(token: str, scout_id: str) -> str:
    return HELLO_JDL.format(token=token).replace("JobType", f'ScoutID = "{scout_id}";\n  JobType')


SLEEPER = '[ Executable = "/bin/sleep"; Arguments = "300"; JobType = "User"; JobName = "scout-sleeper"; ]'


def test_primary_is_held_while_its_scout_runs_and_fails_when_it_is_killed(analyst, tmp_path):
    (tmp_path / "input.txt").write_text("x\n")
    scout, out = submit(analyst, SLEEPER, tmp_path)
    assert scout, out
    primary, out = submit(analyst, with_scout_id("primary", f"{scout}:{scout}"), tmp_path)
    assert primary, out
    state = analyst.wait_status(primary, {"Scouting", "Waiting", "Matched", "Running", "Done", "Failed"}, 60)
    assert state == {**state, "Status": "Scouting", "MinorStatus": "Waiting for Scout Job Completion"}
    assert analyst.wait_status(scout, {"Running"}, 120)["Status"] == "Running"
    # several agent cycles later the primary still waits: its scout has proved nothing yet
    time.sleep(25)
    assert analyst.wait_status(primary, {"Scouting"}, 5)["Status"] == "Scouting"
    analyst.run("dirac-wms-job-kill", str(scout), check=True)
    state = analyst.wait_status(primary, {"Failed", "Waiting", "Matched", "Running", "Done"}, 120)
    assert state["Status"] == "Failed", state
    assert state["MinorStatus"] == "Scouts failed: scout jobs ended without result (1 killed or deleted)", state


def test_malformed_scout_id_fails_the_job(analyst, tmp_path):
    (tmp_path / "input.txt").write_text("x\n")
    job, out = submit(analyst, with_scout_id("bad", "not-a-range"), tmp_path)
    assert job, out
    state = analyst.wait_status(job, {"Failed", "Scouting", "Waiting"}, 60)
    assert state["Status"] == "Failed" and state["MinorStatus"] == "Scouting optimizer", state


PRIMARIES = 100


def submit_set(client, scout_exe: str, n_scouts: int = 2, n_primaries: int = PRIMARIES) -> tuple[list[int], list[int]]:
    """Scouts running ``scout_exe``, then ``n_primaries`` parametric primaries naming them."""
    scout_jdl = f'[ Executable = "{scout_exe}"; JobType = "User"; JobName = "scout"; Priority = 10; ]'
    prim_jdl = (
        '[ Executable = "/bin/echo"; Arguments = "primary %n"; JobType = "User"; JobName = "primary-%n"; '
        f'Parameters = {n_primaries}; ParameterStart = 0; ParameterStep = 1; ScoutID = "{{first}}:{{last}}"; ]'
    )
    result = client.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        wms = WMSClient()
        scouts = [wms.submitJob({scout_jdl!r})["Value"] for _ in range({n_scouts})]
        prim = wms.submitJob({prim_jdl!r}.format(first=min(scouts), last=max(scouts)))
        result = [scouts, prim["Value"] if prim["OK"] else prim]
        """)
    scouts, primaries = result
    assert isinstance(primaries, list) and len(primaries) == n_primaries, primaries
    assert max(scouts) - min(scouts) == n_scouts - 1, "scouts must have contiguous IDs"
    return scouts, primaries


def states(client, jobs: list[int]) -> dict[int, dict]:
    result = client.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        result = JobMonitoringClient().getJobsStates({jobs})["Value"]
        """)
    return {int(k): v for k, v in result.items()}


def wait_all(client, jobs, wanted: set[str], timeout: float = 300) -> dict[int, dict]:
    deadline = time.monotonic() + timeout
    while True:
        now = states(client, jobs)
        if all(s["Status"] in wanted for s in now.values()) or time.monotonic() > deadline:
            return now
        time.sleep(3)


def test_successful_scouts_release_every_primary(analyst):
    scouts, primaries = submit_set(analyst, "/bin/true")
    assert all(s["Status"] == "Done" for s in wait_all(analyst, scouts, {"Done", "Failed"}).values())
    after = wait_all(analyst, primaries, {"Waiting", "Matched", "Running", "Completing", "Done"})
    assert {s["Status"] for s in after.values()} <= {"Waiting", "Matched", "Running", "Completing", "Done"}, after
    # the rest are removed first, so that the pilots run the three kept ones to the end
    analyst.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        result = WMSClient().deleteJob({primaries[3:]})
        """)
    done = wait_all(analyst, primaries[:3], {"Done", "Failed"})
    assert {s["Status"] for s in done.values()} == {"Done"}, done


def test_failed_scouts_fail_every_primary_without_running_it(analyst):
    scouts, primaries = submit_set(analyst, "/bin/false")
    after = wait_all(analyst, primaries, {"Failed", "Waiting", "Matched", "Running", "Done"})
    assert {s["Status"] for s in after.values()} == {"Failed"}, after
    # the set fails as soon as half of its scouts failed: 1/2 or 2/2, depending on timing
    minors = {s["MinorStatus"] for s in after.values()}
    assert len(minors) == 1 and re.fullmatch(
        r"Scouts failed: [12]/2 scout jobs failed: Application Finished With Errors", minors.pop()
    ), after
    history = analyst.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        mon = JobMonitoringClient()
        result = sorted({{rec[0] for j in {primaries} for rec in mon.getJobLoggingInfo(j)["Value"]}})
        """)
    assert "Scouting" in history and "Failed" in history
    assert not {"Waiting", "Matched", "Running"} & set(history), history
