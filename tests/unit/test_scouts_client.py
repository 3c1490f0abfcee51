"""Scout creation on the client side: how many scouts, and what their JDL looks like."""

import pytest
from DIRAC.Core.Utilities.ClassAd.ClassAdLight import ClassAd

from BelleDIRAC.WorkloadManagementSystem.Client.Scouts import (
    ScoutSettings,
    primaryCount,
    primaryJDL,
    scoutCount,
    scoutJDL,
    submitScoutedJobSet,
)

LISTED = '[ Executable = "basf2"; Arguments = "s.py -i %s"; JobName = "ana"; Parameters = {"a","b","c","d"}; ]'
COUNTED = '[ Executable = "basf2"; Parameters = 100; ParameterStart = 0; ParameterStep = 1; CPUTime = 500000; ]'
SINGLE = '[ Executable = "basf2"; ExecutionEnvironment = {"A=1", "BELLE2_SCOUT_EVENTS=99"}; ScoutID = "3"; ]'


@pytest.mark.parametrize(
    "n,group,settings,noscout,expected",
    [
        (100, "belle_user", ScoutSettings(), False, 2),
        (100, "belle_user", ScoutSettings(), True, 0),
        (5, "belle_user", ScoutSettings(), False, 0),  # below MinJobs
        (1, "belle_user", ScoutSettings(minJobs=1), False, 1),
        (100, "belle_prod", ScoutSettings(disabledGroups=frozenset({"belle_prod"})), False, 0),
        (100, "belle_user", ScoutSettings(scouts=500), False, 100),
    ],
)
def test_scout_count(n, group, settings, noscout, expected):
    assert scoutCount(n, group, settings, noscout) == expected


def test_primary_count():
    assert (primaryCount(LISTED), primaryCount(COUNTED), primaryCount(SINGLE)) == (4, 100, 1)


def test_scouts_sample_a_listed_set_and_are_small_and_flagged():
    ad = ClassAd(scoutJDL(LISTED, 2, 10, cpuTime=1800))
    assert ad.getListFromExpression("Parameters") == ["a", "c"]
    assert ad.getAttributeInt("ScoutFlag") == 1 and ad.getAttributeInt("ScoutEvents") == 10
    assert ad.getAttributeInt("Priority") == 10 and ad.getAttributeInt("CPUTime") == 1800
    assert ad.getAttributeString("JobName") == "ana-scout"
    assert ad.getListFromExpression("ExecutionEnvironment") == ["BELLE2_SCOUT_EVENTS=10"]


def test_scouts_of_counted_and_single_jobs():
    counted = ClassAd(scoutJDL(COUNTED, 3, 10))
    assert counted.getAttributeInt("Parameters") == 3 and counted.getAttributeInt("CPUTime") == 3600
    single = ClassAd(scoutJDL(SINGLE, 2, 5))
    assert single.getAttributeInt("Parameters") == 2 and not single.lookupAttribute("ScoutID")
    assert single.getListFromExpression("ExecutionEnvironment") == ["A=1", "BELLE2_SCOUT_EVENTS=5"]


def test_primaries_name_their_scouts():
    assert ClassAd(primaryJDL(COUNTED, [7, 8, 10])).getAttributeString("ScoutID") == "7:8,10"


class FakeWMS:
    """Records submissions; a pure-logic stand-in for the WMS (the live path is an integration test)."""

    def __init__(self, fail_primaries=False):
        self.jdls, self.deleted, self.fail_primaries, self.next = [], [], fail_primaries, 100

    def submitJob(self, jdl):
        self.jdls.append(jdl)
        if "ScoutID" in jdl and self.fail_primaries:
            return {"OK": False, "Message": "boom"}
        n = primaryCount(jdl)
        ids = list(range(self.next, self.next + n))
        self.next += n
        return {"OK": True, "Value": ids if n > 1 else ids[0]}

    def deleteJob(self, ids):
        self.deleted += ids
        return {"OK": True, "Value": ids}


def test_a_failed_primary_submission_deletes_the_scouts():
    wms = FakeWMS(fail_primaries=True)
    result = submitScoutedJobSet(COUNTED, "belle_user", wms=wms, settings=ScoutSettings())
    assert not result["OK"] and "scouts [100, 101] were deleted" in result["Message"]
    assert wms.deleted == [100, 101]


def test_scouted_set_and_unscouted_set():
    wms = FakeWMS()
    result = submitScoutedJobSet(COUNTED, "belle_user", wms=wms, settings=ScoutSettings())
    assert result["OK"] and result["Value"]["Scouts"] == [100, 101] and len(result["Value"]["Primaries"]) == 100
    assert 'ScoutID = "100:101"' in wms.jdls[1]
    plain = submitScoutedJobSet(COUNTED, "belle_user", noscout=True, wms=FakeWMS(), settings=ScoutSettings())
    assert plain["Value"]["Scouts"] == [] and len(plain["Value"]["Primaries"]) == 100
