"""Pure rules of B2RucioDataManagement: destinations, activities, rule summaries, dataset listings."""

import pytest

from BelleDIRAC.DataManagementSystem.Client.rucio_rules import (
    DestinationError,
    activityFor,
    datasetFiles,
    replicatedTo,
    rseExpression,
    ruleProgress,
    ruleSummary,
)


def test_destination_is_one_or_more_plain_se_names():
    assert rseExpression("KEK-TMP-SE") == "KEK-TMP-SE"
    assert rseExpression(["DESY-TMP-SE", "KEK-TMP-SE", "DESY-TMP-SE"]) == "DESY-TMP-SE|KEK-TMP-SE"


@pytest.mark.parametrize("bad", ["*", "KEK-TMP-SE\\BANNED", "A|B", "", [], None, ["ok", "a b"], "x" * 65, "-lead"])
def test_expressions_and_junk_are_refused(bad):
    with pytest.raises(DestinationError):
        rseExpression(bad)


def test_activity_follows_the_group():
    assert activityFor("belle_prod") == "Production Output"
    assert activityFor("belle_user") == "Analysis Output"


def _rule(state="REPLICATING", stuck=0):
    return {"id": "abc", "name": "/belle/x/sub00", "state": state, "rse_expression": "KEK-TMP-SE",
            "account": "alice", "locks_ok_cnt": 1, "locks_replicating_cnt": 2, "locks_stuck_cnt": stuck}  # fmt: skip


def test_rule_summary_and_progress():
    summary = ruleSummary(_rule())
    assert summary["RuleID"] == "abc" and summary["LFN"] == "/belle/x/sub00" and summary["LocksReplicating"] == 2
    assert ruleProgress(summary) == "Pending"
    assert ruleProgress(ruleSummary(_rule("OK"))) == "Done"
    assert ruleProgress(ruleSummary(_rule("STUCK"))) == "Stuck"
    assert ruleProgress(ruleSummary(_rule(stuck=1))) == "Stuck"


def test_dataset_files_list_only_available_replicas():
    reps = [
        {"name": "/b/f2", "bytes": 5, "adler32": "abc", "rses": {"A": ["file:///a/f2"], "B": ["file:///b/f2"]},
         "states": {"A": "AVAILABLE", "B": "COPYING"}},
        {"name": "/b/f1", "bytes": None, "adler32": None, "rses": {}, "states": {}},
    ]  # fmt: skip
    out = datasetFiles(reps)
    assert list(out) == ["/b/f1", "/b/f2"]
    assert out["/b/f2"] == {"Size": 5, "Checksum": "00000abc", "Replicas": {"A": "file:///a/f2"}}
    assert out["/b/f1"] == {"Size": 0, "Checksum": "", "Replicas": {}}


def test_replicated_to_needs_every_target():
    replicas = {"/a": {"K": "u", "D": "u"}, "/b": {"K": "u"}, "/c": {}}
    assert replicatedTo(replicas, ["K", "D"]) == {"/a"}
    assert replicatedTo(replicas, ["K"]) == {"/a", "/b"}
