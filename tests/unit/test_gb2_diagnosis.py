"""gb2_diagnostic's verdicts on failed and waiting jobs."""

import pytest

from BelleDIRAC.gbasf2.lib.diagnosis import failedVerdict, waitingFindings


@pytest.mark.parametrize("attrs, category", [
    ({"Status": "Failed", "ApplicationStatus": "basf2 failed (exit 1)"}, "steering"),
    ({"Status": "Failed", "ApplicationStatus": "Software not found: release x"}, "software"),
    ({"Status": "Failed", "ApplicationStatus": "Unknown", "MinorStatus": "Input Data Resolution"}, "input"),
    ({"Status": "Failed", "ApplicationStatus": "Unknown", "MinorStatus": "Scout jobs failed: x"}, "scouts"),
    ({"Status": "Failed", "MinorStatus": "Maximum of reschedulings reached"}, "limit"),
    ({"Status": "Stalled", "ApplicationStatus": "Running"}, "site"),
    ({"Status": "Killed"}, "killed"),
    ({"Status": "Done", "ApplicationStatus": "No output file written"}, "steering"),
    ({"Status": "Failed", "ApplicationStatus": "mystery"}, "unknown"),
    ({"Status": "Done", "ApplicationStatus": "Done"}, "not failed"),
    ({"Status": "Running"}, "not failed"),
])  # fmt: skip
def test_failed_categories(attrs, category):
    assert failedVerdict(attrs).category == category


def test_triage_all_versus_some():
    job = {"Status": "Failed", "ApplicationStatus": "basf2 failed (exit 1)"}
    assert failedVerdict(job, 10, 10).scope == "all" and "steering file" in failedVerdict(job, 10, 10).advice
    assert failedVerdict(job, 2, 10).scope == "some" and "reschedule" in failedVerdict(job, 2, 10).advice


def test_waiting_findings():
    active = {"LCG.KEK.jp", "LCG.DESY.de"}
    assert "free slot" in waitingFindings({"Status": "Waiting"}, active, None, 100)[0]
    assert any("no candidate site" in f for f in waitingFindings({"BannedSites": sorted(active)}, active, None, 0))
    assert any("not usable" in f for f in waitingFindings({"Site": ["LCG.CNAF.it"]}, active, None, 0))
    assert any("input files" in f for f in waitingFindings({}, active, set(), 0))
    assert any("CPU time" in f for f in waitingFindings({"CPUTime": 500}, active, None, 100))
    assert "not waiting" in waitingFindings({"Status": "Done"}, active, None, 0)[0]
