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
