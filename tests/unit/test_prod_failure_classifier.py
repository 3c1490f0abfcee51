"""Failure categories from real DIRAC/gbasf2 strings, retry decisions and the per-site statistics table."""

import pytest
from DIRAC.WorkloadManagementSystem.Client import JobMinorStatus

from BelleDIRAC.gbasf2.lib.diagnosis import FAILED_RULES
from BelleDIRAC.ProductionSystem.Utilities import failure_classifier as F


def job(status="Failed", minor="", app=""):
    return {"Status": status, "MinorStatus": minor, "ApplicationStatus": app}


@pytest.mark.parametrize(
    "attributes, log, category",
    [
        (job(app="Software not found: release release-08-00-04"), "", F.SOFTWARE),
        (job(minor=JobMinorStatus.APP_NOT_FOUND), "", F.SOFTWARE),
        (job(app="Input data not found: a.root, b.root"), "", F.INPUT_DATA),
        (job(minor=JobMinorStatus.INPUT_NOT_AVAILABLE), "", F.INPUT_DATA),
        (job(minor=JobMinorStatus.INPUT_DATA_RESOLUTION), "", F.INPUT_DATA),
        (job(app="basf2 failed (exit 1)"), "ERROR: module 'Foo' not found", F.STEERING),
        (job(app="No output file written"), "", F.STEERING),
        (job(app="Output upload failed: 2 file(s)"), "", F.UPLOAD),
        (job(minor=JobMinorStatus.UPLOADING_OUTPUT_DATA, app="Uploading output"), "", F.UPLOAD),
        (job(minor=JobMinorStatus.JOB_EXCEEDED_WALL_CLOCK, app="basf2 failed (exit -9)"), "", F.TIME_LIMIT),
        (job(minor=JobMinorStatus.JOB_EXCEEDED_CPU), "", F.TIME_LIMIT),
        (job(minor="Job has exceeded maximum CPU time limit"), "", F.TIME_LIMIT),
        (job(), "slurmstepd: error: *** JOB 123 CANCELLED AT 2024-01-01 DUE TO TIME LIMIT ***", F.TIME_LIMIT),
        (job(app="basf2 failed (exit 134)"), "terminate called after throwing 'std::bad_alloc'", F.MEMORY),
        (job(app="basf2 failed (exit 1)"), "Traceback...\nMemoryError", F.MEMORY),
        (job(app="basf2 failed (exit 137)"), "[INFO] event 1000\nKilled\n", F.MEMORY),
        (job(), "/bin/sh: line 1: 4242 Killed    basf2 steer.py", F.MEMORY),
        (job(), "Memory cgroup out of memory: Killed process 4242 (basf2)", F.MEMORY),
        (job(status="Stalled", minor=JobMinorStatus.STALLED_PILOT_NOT_RUNNING, app="Running basf2"), "", F.SITE),
        (job(minor=JobMinorStatus.STALLED_PILOT_NOT_RUNNING), "", F.SITE),
        (job(minor="Stalling for more than 19800 sec"), "", F.SITE),
        (job(minor=JobMinorStatus.WATCHDOG_STALLED), "", F.SITE),
        (job(minor=JobMinorStatus.JOB_INSUFFICIENT_DISK), "", F.SITE),
        (job(minor="Job exceeded maximum load average"), "", F.SITE),
        (job(minor="Watchdog found a problem"), "", F.SITE),
        (job(app="basf2 failed (exit 1)"), "fatal: /cvmfs/belle.cern.ch not mounted", F.SITE),
        (job(minor=JobMinorStatus.APP_ERRORS), "", F.UNKNOWN),
        (job(status="Killed", minor="Marked for termination"), "", F.UNKNOWN),
        ({}, "", F.UNKNOWN),
    ],
)
def test_classify(attributes, log, category):
    assert F.classify(attributes, log) == category


def test_killed_status_is_not_memory_but_killed_log_line_is():
    assert F.classify(job(status="Killed")) == F.UNKNOWN
    assert F.classify(job(), "event loop: processing\nKilled") == F.MEMORY
    assert F.classify(job(), "3 jobs were killed by the user earlier") == F.UNKNOWN


def test_stalled_word_in_log_alone_is_not_site():
    assert F.classify(job(app="basf2 failed (exit 1)"), "Watchdog: stalled module?") == F.STEERING


def test_rules_table_is_well_formed():
    assert all(c in F.CATEGORIES and where in ("job", "log", "any") for c, where, _ in F.RULES)
    assert {c for c, _, _ in F.RULES} == set(F.CATEGORIES) - {F.UNKNOWN}


@pytest.mark.parametrize("clue, category", [(clue, cat) for clue, cat, _ in FAILED_RULES])
def test_consistent_with_gb2_diagnosis(clue, category):
    ours = {"software": F.SOFTWARE, "input": F.INPUT_DATA, "steering": F.STEERING, "storage": F.UPLOAD}
    ours |= {"site": F.SITE}
    if category in ours:
        assert F.classify(job(app=clue)) == ours[category]


def test_retry_backoff_doubles_and_is_capped():
    delays = [F.decideRetry(F.UNKNOWN, n, 20, [], 1000.0, {}).notBefore - 1000.0 for n in (1, 2, 3, 7, 12)]
    assert delays == [60.0, 120.0, 240.0, 3600.0, 3600.0]
    d = F.decideRetry(F.TIME_LIMIT, 1, 3, ["LCG.A"], 0.0, {}, backoffBase=10, backoffMax=15)
    assert (d.retry, d.notBefore, d.bannedSites) == (True, 10.0, [])
    assert d.reason == "retry 2/3 after 10 s (time limit)"


def test_gave_up():
    d = F.decideRetry(F.SITE, 3, 3, ["LCG.A"], 0.0, {})
    assert (d.retry, d.notBefore, d.bannedSites, d.reason) == (False, None, [], "gave up after 3 attempts: site")


def test_steering_never_retried():
    d = F.decideRetry(F.STEERING, 1, 3, ["LCG.A"], 0.0, {"LCG.B": 5})
    assert not d.retry and d.notBefore is None and "fails at every site" in d.reason


@pytest.mark.parametrize("category", [F.SITE, F.SOFTWARE, F.INPUT_DATA, F.UPLOAD])
def test_site_specific_failures_ban_the_sites(category):
    d = F.decideRetry(category, 2, 3, ["LCG.B", "LCG.A", "LCG.B"], 100.0, {})
    assert (d.retry, d.notBefore, d.bannedSites) == (True, 220.0, ["LCG.A", "LCG.B"])
    assert d.reason.endswith(f"({category}), not at LCG.A, LCG.B")


@pytest.mark.parametrize("category", [F.MEMORY, F.TIME_LIMIT, F.UNKNOWN])
def test_job_size_failures_do_not_ban_but_bad_sites_are(category):
    d = F.decideRetry(category, 1, 3, ["LCG.A"], 0.0, {"LCG.C": 2, "LCG.D": 1, "LCG.A": 0})
    assert d.retry and d.bannedSites == ["LCG.C"]
    d = F.decideRetry(category, 1, 3, ["LCG.A"], 0.0, {"LCG.C": 2}, siteBanThreshold=3)
    assert d.bannedSites == []


def test_retryable_set_and_unknown_category():
    assert F.RETRYABLE == {F.SITE, F.MEMORY, F.TIME_LIMIT, F.UPLOAD, F.INPUT_DATA, F.UNKNOWN}
    with pytest.raises(ValueError, match="unknown failure category 'disk'"):
        F.decideRetry("disk", 1, 3, [], 0.0, {})


def test_statistics_and_table():
    rows = [("LCG.A", F.SITE), ("LCG.B", F.MEMORY), ("LCG.A", F.SITE), ("LCG.A", F.UPLOAD), ("LCG.B", F.SITE)]
    rows += [("LCG.C", F.SITE)]
    stats = F.statistics(rows)
    assert stats == {"LCG.A": {F.SITE: 2, F.UPLOAD: 1}, "LCG.B": {F.MEMORY: 1, F.SITE: 1}, "LCG.C": {F.SITE: 1}}
    assert F.formatStatistics(stats).splitlines() == [
        "Site   site  memory  upload  Total",
        "LCG.A     2       0       1      3",
        "LCG.B     1       1       0      2",
        "LCG.C     1       0       0      1",
    ]
    assert F.statistics([]) == {} and F.formatStatistics({}) == "Site  Total"
