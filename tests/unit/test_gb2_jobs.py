"""The gb2 job tools' pure logic: what counts as done/failed, summaries, reschedulability, DIRAC answers."""

from __future__ import annotations

import datetime

import pytest

from BelleDIRAC.gbasf2.lib.job import outcome, selection, status, summary
from BelleDIRAC.gbasf2.lib.job.information_collector import publicRecord


def job(state, app="Unknown", **extra):
    return {"Status": state, "ApplicationStatus": app, "MinorStatus": "m", **extra}


@pytest.mark.parametrize(
    "attrs, done, failed",
    [
        (job("Done", "Done"), True, False),
        (job("Done", "Unknown"), False, True),  # the payload ended but basf2 did not report success
        (job("Failed"), False, True),
        (job("Killed"), False, False),
        (job("Running", "Done"), False, False),
    ],
)
def test_done_and_failed_semantics_match_b2luigi(attrs, done, failed):
    assert status.isDone(attrs) is done
    assert status.isFailed(attrs) is failed


def test_summary_line_has_exactly_the_eight_keys_in_order():
    jobs = [job("Done", "Done"), job("Done", "x"), job("Failed"), job("Matched"), job("Completing"), job("Weird")]
    line = status.summaryLine(status.countStatuses(jobs))
    assert line == "Completed:1  Deleted:0  Done:1  Failed:2  Killed:0  Running:0  Stalled:0  Waiting:2"
    assert [pair.split(":")[0] for pair in line.split()] == list(status.SUMMARY_KEYS)


@pytest.mark.parametrize(
    "attrs, expected",
    [
        (job("Failed"), True),
        (job("Killed"), True),
        (job("Stalled"), True),
        (job("Done", "Unknown"), True),
        (job("Done", "Done"), False),
        (job("Running"), False),
        (job("Waiting"), False),
    ],
)
def test_only_jobs_in_a_fatal_state_are_reschedulable(attrs, expected):
    assert status.reschedulable(attrs) is expected
    if not expected:
        assert status.whyNotReschedulable(attrs)


def test_times_are_plain_strings_without_T():
    assert status.formatTime(datetime.datetime(2021, 4, 8, 0, 37, 30, 5)) == "2021-04-08 00:37:30"
    assert status.formatTime("2021-04-08T00:37:30.123") == "2021-04-08 00:37:30"
    assert status.formatTime(None) is None
    record = publicRecord({"Status": "Done", "SubmissionTime": datetime.datetime(2021, 4, 8), "JobID": 1})
    assert set(record) == {
        "Status",
        "MinorStatus",
        "ApplicationStatus",
        "Site",
        "JobGroup",
        "Owner",
        "SubmissionTime",
        "HeartBeatTime",
        "LastUpdateTime",
    }
    assert record["SubmissionTime"] == "2021-04-08 00:00:00"
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        status.parseTime("yesterday")


def _times(sub, upd):
    return {"SubmissionTime": sub, "LastUpdateTime": upd, "Owner": "alice"}


NOW = datetime.datetime(2024, 1, 21)


@pytest.mark.parametrize(
    "states, expected",
    [
        ([("Done", "Done"), ("Done", "Done")], "Good"),
        ([("Done", "Done"), ("Failed", "Unknown")], "Failed"),
        ([("Done", "Done"), ("Killed", "Unknown")], "Failed"),
        ([("Waiting", "Unknown"), ("Received", "Unknown")], "Waiting"),
        ([("Done", "Done"), ("Running", "Unknown")], "Running"),
        ([("Failed", "Unknown"), ("Stalled", "Unknown")], "Running"),
    ],
)
def test_project_status_vocabulary(states, expected):
    jobs = [job(s, a, **_times("2024-01-20 02:14:57", "2024-01-20 02:16:27")) for s, a in states]
    assert summary.projectRecord("p", jobs, NOW)["Status"] == expected


def test_project_record_counts_and_duration():
    jobs = [
        job("Done", "Done", **_times("2024-01-20 02:14:57", "2024-01-20 02:16:27")),
        job("Done", "Unknown", **_times("2024-01-20 02:15:00", "2024-01-20 02:15:30")),
        job("Running", **_times("2024-01-20 02:15:00", "2024-01-20 02:15:30")),
        job("Waiting", **_times("2024-01-20 02:15:00", "2024-01-20 02:15:30")),
    ]
    record = summary.projectRecord("p", jobs, datetime.datetime(2024, 1, 20, 3, 14, 57))
    assert [record[k] for k in ("Done", "Fail", "Run", "Wait")] == [1, 1, 1, 1]
    assert record["Submission Time(UTC)"] == "2024-01-20 02:14:57"
    assert record["Duration"] == "01:00:00"  # still active: up to now
    finished = summary.projectRecord("p", jobs[:2], NOW)
    assert finished["Duration"] == "00:01:30"  # finished: up to the last update
    assert summary.projectRows([finished])[0][:3] == ["p", "alice", "Failed"]
    assert summary.duration(90000) == "25:00:00"


def test_job_rows_sorted_by_id():
    rows = summary.jobRows({10: job("Done", "Done", Site="A"), 9: job("Failed", Site="B")})
    assert [r[0] for r in rows] == [9, 10] and rows[0][4] == "B"


def test_owner_and_filters():
    assert selection.owner(None, "me") == "me" and selection.owner("all", "me") is None
    jobs = {1: job("Failed", Site="LCG.KEK.jp"), 2: job("Done", Site="LCG.DESY.de")}
    assert list(selection.filterJobs(jobs, ["failed"], [])) == [1]
    assert list(selection.filterJobs(jobs, [], ["LCG.DESY.de"])) == [2]
    assert selection.splitValues(["Failed,Killed", "Done"]) == ["Failed", "Killed", "Done"]


def test_argument_problems_say_what_to_type():
    assert "-p" in selection.checkArguments([], [])
    assert "too long" in selection.checkArguments(["x" * 33], [])
    assert "YYYY-MM-DD" in selection.checkArguments(["ok"], [], since="last week")
    assert selection.checkArguments(["ok"], [1], since="2024-01-01") is None


def test_outcome_splits_a_partial_refusal_per_job():
    result = {"OK": False, "Message": "Some jobs failed deletion", "NonauthorizedJobIDs": [2], "InvalidJobIDs": [3]}
    got = outcome.interpret("kill", [1, 2, 3], result)
    assert (got.done, got.refused, got.invalid, got.ok) == ([1], [2], [3], False)
    text = "\n".join(got.lines())
    assert "Refused by DIRAC" in text and "2" in text and "Unknown job IDs" in text


def test_outcome_of_success_and_of_a_plain_error():
    assert outcome.interpret("kill", [1, 2], {"OK": True, "Value": [1]}).done == [1]
    got = outcome.interpret("delete", [1], {"OK": False, "Message": "boom"})
    assert got.failed == [1] and got.error == "boom" and not got.ok
    got.reasons[1] = "still Failed (Maximum of reschedulings reached)"
    assert any("Maximum of reschedulings" in line for line in got.lines())
    assert got.asDict()["failed"] == [1]
