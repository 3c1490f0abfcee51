"""The Scouting optimizer on the live stack: primaries are held in Scouting, bad ScoutIDs fail, others pass."""

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


def test_malformed_scout_id_is_refused_at_submission(analyst, tmp_path):
    (tmp_path / "input.txt").write_text("x\n")
    job, out = submit(analyst, with_scout_id("bad", "not-a-range"), tmp_path)
    assert job is None and "ScoutID 'not-a-range' is not a list of job IDs" in out, out
