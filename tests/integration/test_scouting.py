"""The Scouting optimizer on the live stack: primaries are held in Scouting, bad ScoutIDs fail, others pass."""

from tests.integration.test_wms import HELLO_JDL, submit


def with_scout_id(token: str, scout_id: str) -> str:
    return HELLO_JDL.format(token=token).replace("JobType", f'ScoutID = "{scout_id}";\n  JobType')


def test_primary_is_held_in_scouting(analyst, tmp_path):
    (tmp_path / "input.txt").write_text("x\n")
    scout, out = submit(analyst, HELLO_JDL.format(token="scout"), tmp_path)
    assert scout, out
    primary, out = submit(analyst, with_scout_id("primary", f"{scout}:{scout}"), tmp_path)
    assert primary, out
    state = analyst.wait_status(primary, {"Scouting", "Waiting", "Matched", "Running", "Done", "Failed"}, 60)
    assert state == {**state, "Status": "Scouting", "MinorStatus": "Waiting for Scout Job Completion"}
    # the scout itself is an ordinary job and runs
    assert analyst.wait_status(scout, {"Done", "Failed"})["Status"] == "Done"
    # a held primary never reaches the task queue
    assert analyst.wait_status(primary, {"Scouting"}, 5)["Status"] == "Scouting"


def test_malformed_scout_id_fails_the_job(analyst, tmp_path):
    (tmp_path / "input.txt").write_text("x\n")
    job, out = submit(analyst, with_scout_id("bad", "not-a-range"), tmp_path)
    assert job, out
    state = analyst.wait_status(job, {"Failed", "Scouting", "Waiting"}, 60)
    assert state["Status"] == "Failed" and state["MinorStatus"] == "Scouting optimizer", state
