"""Scouted job sets of 100 primaries end to end: submitted as gbasf2 does, jobs really run and fail."""

import re

from tests.integration.scouts import history, submit_set, wait_all

LATER = {"Waiting", "Matched", "Running", "Completing", "Done"}


def test_successful_scouts_release_every_primary_with_their_cpu_time(analyst, discard):
    jobs = submit_set(analyst, "echo primary $0", extra="CPUTime = 500000;")
    scouts, primaries = jobs["Scouts"], jobs["Primaries"]
    discard += primaries[3:]
    assert len(scouts) == 2
    scout_jdl = analyst.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        result = JobMonitoringClient().getJobJDL({scouts[0]}, False)["Value"]
        """)
    assert "ScoutFlag = 1" in scout_jdl and "BELLE2_SCOUT_EVENTS=10" in scout_jdl and "Priority = 10" in scout_jdl
    assert all(s["Status"] == "Done" for s in wait_all(analyst, scouts, {"Done", "Failed"}).values())
    after = wait_all(analyst, primaries, LATER)
    assert {s["Status"] for s in after.values()} <= LATER, after
    # the scouts took almost no CPU: the primaries now ask for the floor, not the 500000 s they asked for
    cpu = analyst.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        from DIRAC.Core.Utilities.ClassAd.ClassAdLight import ClassAd
        mon = JobMonitoringClient()
        result = sorted({{ClassAd(mon.getJobJDL(j, False)["Value"]).getAttributeInt("CPUTime") for j in {primaries}}})
        """)
    assert cpu == [3600], cpu
    records = history(analyst, primaries[:5])
    for recs in records.values():
        assert [r[:2] for r in recs if r[4] == "ScoutingJobStatusAgent"] == [["Checking", "Scouting"]], recs
    # the rest are removed first, so that the pilots run the three kept ones to the end
    analyst.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        result = WMSClient().deleteJob({primaries[3:]})["OK"]
        """)
    done = wait_all(analyst, primaries[:3], {"Done", "Failed"})
    assert {s["Status"] for s in done.values()} == {"Done"}, done


def test_failed_scouts_fail_every_primary_without_running_it(analyst, discard):
    jobs = submit_set(analyst, "echo doomed && exit 3")
    primaries = jobs["Primaries"]
    discard += primaries
    after = wait_all(analyst, primaries, {"Failed"} | LATER)
    assert {s["Status"] for s in after.values()} == {"Failed"}, after
    # the set fails as soon as half of its scouts failed: 1/2 or 2/2, depending on timing
    minors = {s["MinorStatus"] for s in after.values()}
    assert len(minors) == 1 and re.fullmatch(
        r"Scouts failed: [12]/2 scout jobs failed: Application Finished With Errors", minors.pop()
    ), after
    seen = {rec[0] for recs in history(analyst, primaries).values() for rec in recs}
    assert "Scouting" in seen and "Failed" in seen
    assert not {"Waiting", "Matched", "Running"} & seen, seen


def test_noscout_submits_the_set_as_is(analyst, discard):
    jobs = submit_set(analyst, "echo plain", n_primaries=3, minJobs=10)
    discard += jobs["Primaries"]
    assert jobs["Scouts"] == []
    after = wait_all(analyst, jobs["Primaries"], LATER | {"Failed"}, 120)
    assert not {s["Status"] for s in after.values()} & {"Scouting", "Failed"}, after
