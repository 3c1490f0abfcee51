"""Scout verdicts for every mix of scout states that matters."""

import pytest

from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import (
    FAIL,
    RELEASE,
    WAIT,
    ScoutPolicy,
    scoutVerdict,
)


def scouts(*states, app="Unknown", minor=""):
    return [{"Status": s, "ApplicationStatus": app, "MinorStatus": minor} for s in states]


def test_all_running_waits():
    v = scoutVerdict(scouts("Running", "Waiting", "Matched"), ageSeconds=60)
    assert v.action == WAIT and "3/3" in v.reason


def test_enough_done_releases():
    v = scoutVerdict(scouts("Done", "Running", "Running"), ageSeconds=60)
    assert (v.action, v.reason) == (RELEASE, "1/3 scout jobs done")


def test_failures_win_over_successes_and_carry_the_reason():
    states = scouts("Done", "Failed", "Failed", minor="Application Finished With Errors")
    v = scoutVerdict(states, ageSeconds=60)
    assert v.action == FAIL
    assert v.reason == "2/3 scout jobs failed: Application Finished With Errors"


def test_application_status_is_the_preferred_reason():
    v = scoutVerdict(scouts("Failed", "Failed", app="basf2: steering file not found"), ageSeconds=1)
    assert v.reason.endswith("basf2: steering file not found")


def test_stalled_counts_as_failure_unless_configured():
    assert scoutVerdict(scouts("Stalled", "Stalled", "Running"), 1).action == FAIL
    lenient = ScoutPolicy(stalledIsFailure=False)
    assert scoutVerdict(scouts("Stalled", "Stalled", "Running"), 1, lenient).action == WAIT


def test_all_killed_follows_on_gone():
    assert scoutVerdict(scouts("Killed", "Deleted"), 1).action == FAIL
    assert scoutVerdict(scouts("Killed", "Deleted"), 1, ScoutPolicy(onGone=RELEASE)).action == RELEASE


def test_killed_running_scout_reported_failed_by_its_wrapper_counts_as_killed():
    """A running scout that is killed ends Failed "Received Kill signal": nobody's steering file failed."""
    killed = scouts("Failed", minor="Received Kill signal")
    v = scoutVerdict(killed, 1)
    assert (v.action, v.reason) == (FAIL, "scout jobs ended without result (1 killed or deleted)")
    assert scoutVerdict(killed, 1, ScoutPolicy(onGone=RELEASE)).action == RELEASE
    assert scoutVerdict(scouts("Done") + killed, 1).action == RELEASE


def test_one_done_and_rest_killed_releases():
    v = scoutVerdict(scouts("Done", "Killed", "Killed", "Killed", "Killed"), 1)
    assert v.action == RELEASE and "others ended without result" in v.reason


def test_timeout_outcome_is_configurable():
    assert scoutVerdict(scouts("Running"), 7 * 3600).action == FAIL
    assert scoutVerdict(scouts("Running"), 7 * 3600, ScoutPolicy(onTimeout=RELEASE)).action == RELEASE
    assert scoutVerdict(scouts("Running"), 5 * 3600).action == WAIT


def test_no_scouts_releases():
    assert scoutVerdict([], 0).action == RELEASE


@pytest.mark.parametrize("kwargs", [{"onTimeout": "maybe"}, {"onGone": "x"}, {"successFraction": 0}])
def test_bad_policy_is_refused(kwargs):
    with pytest.raises(ValueError):
        ScoutPolicy(**kwargs)


def test_plan_groups_sets_and_protects_against_foreign_scouts():
    from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import planScoutedSets

    now = 10_000.0
    primaries = {
        100: {"ScoutID": "1:2", "Owner": "alice"},
        101: {"ScoutID": "1:2", "Owner": "alice"},
        200: {"ScoutID": "3:4", "Owner": "alice"},
        300: {"ScoutID": "5:5", "Owner": "mallory"},
        400: {"ScoutID": "6:7", "Owner": "alice"},
        500: {"ScoutID": "junk", "Owner": "alice"},
    }

    def job(status, owner="alice", **kw):
        return {"Status": status, "Owner": owner, "SubmissionTime": now - 60, **kw}

    scouts = {
        1: job("Done"),
        2: job("Running"),
        3: job("Failed", MinorStatus="Application Finished With Errors"),
        4: job("Failed", MinorStatus="Application Finished With Errors"),
        5: job("Done"),  # alice's job, named by mallory
        6: job("Running"),
        7: job("Waiting"),
    }
    plan = {tuple(jobs): (action, reason) for action, reason, jobs in planScoutedSets(primaries, scouts, now)}
    assert plan[(100, 101)] == (RELEASE, "1/2 scout jobs done")
    assert plan[(200,)][0] == FAIL and "Application Finished With Errors" in plan[(200,)][1]
    assert plan[(300,)] == (FAIL, "ScoutID 5:5 names jobs of another owner")
    assert plan[(500,)][0] == FAIL
    assert (400,) not in plan  # still waiting


def test_plan_treats_vanished_scouts_as_deleted():
    from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import planScoutedSets

    plan = planScoutedSets({9: {"ScoutID": "1:2", "Owner": "a"}}, {}, now=0.0)
    assert plan == [(FAIL, "scout jobs ended without result (2 killed or deleted)", [9])]


@pytest.mark.parametrize(
    "text,ids",
    [("7", [7]), ("3:5", [3, 4, 5]), ("3:4,9", [3, 4, 9]), (" 10:11 , 2 ", [2, 10, 11]), ('"1:2"', [1, 2])],
)
def test_scout_id_lists_and_ranges(text, ids):
    from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import formatScoutID, parseScoutID

    assert parseScoutID(text) == ids
    assert parseScoutID(formatScoutID(ids)) == ids


@pytest.mark.parametrize("text", ["", "a", "5:3", "0", "-1:2", "1:200", ",".join(str(i) for i in range(1, 103, 1))])
def test_bad_scout_ids(text):
    from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import parseScoutID

    with pytest.raises(ValueError):
        parseScoutID(text)


def test_format_scout_id_is_compact():
    from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import formatScoutID

    assert formatScoutID([5, 1, 2, 3, 9, 10]) == "1:3,5,9:10"
    with pytest.raises(ValueError):
        formatScoutID([])


def test_cpu_requirement_scales_the_slowest_scout():
    from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import cpuRequirement

    assert cpuRequirement([]) is None and cpuRequirement([None]) is None
    assert cpuRequirement([0.0, 1.0]) == 3600  # floor
    assert cpuRequirement([100.0, 3000.0], scoutEvents=10, primaryEvents=100, margin=2) == 60000
    assert cpuRequirement([3000.0], scoutEvents=0, primaryEvents=100, margin=2) == 6000  # unknown events: 1:1
    assert cpuRequirement([1e9], margin=2) == 7 * 24 * 3600  # cap


def test_summaries_list_each_set_once_with_its_scouts():
    from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import summarizeSets

    primaries = {
        11: {"ScoutID": "1:2", "Owner": "a", "JobGroup": "p1"},
        12: {"ScoutID": "1:2", "Owner": "a", "JobGroup": "p1"},
        13: {"ScoutID": "junk", "Owner": "b"},
    }
    rows = {row["ScoutID"]: row for row in summarizeSets(primaries, {1: {"Status": "Done"}})}
    assert rows["1:2"]["Primaries"] == [11, 12] and rows["1:2"]["Scouts"] == {1: "Done", 2: "Deleted"}
    assert rows["junk"]["Scouts"] == {}
