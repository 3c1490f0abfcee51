"""The Scouting optimizer is in the executor chain that the stack configures, right after JobSanity."""

import pytest

from b2stack import csgen
from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import parseScoutID


def test_chain_holds_scouting_after_jobsanity():
    cs = csgen.master_cs()
    base = cs.getOption("Systems/WorkloadManagement/Executors/JobPath/BasePath", [])
    load = cs.getOption("Systems/WorkloadManagement/Executors/Optimizers/Load", [])
    assert base == ["JobPath", "JobSanity", "Scouting"]
    assert load.index("Scouting") == load.index("JobSanity") + 1


@pytest.mark.parametrize("value,ids", [("10:12", [10, 11, 12]), ("7", [7]), (' "5:5" ', [5])])
def test_scout_id_ranges(value, ids):
    assert parseScoutID(value) == ids


@pytest.mark.parametrize("value", ["", "a:b", "5:3", "0:2", "1:1000", "-3:2"])
def test_bad_scout_ids(value):
    with pytest.raises(ValueError):
        parseScoutID(value)


class Ops:
    """Operations answering from a dict (the CS path relative to Operations)."""

    def __init__(self, values):
        self.values = values

    def getValue(self, path, default=None):
        return self.values.get(path, default)


def test_agent_policy_comes_from_operations_and_the_stack_writes_every_option():
    from BelleDIRAC.WorkloadManagementSystem.Agent.ScoutingJobStatusAgent import policyFromCS

    section = "Operations/Defaults/WorkloadManagement/Scouting"
    written = csgen.master_cs().getAsDict(section)
    assert set(written) == {"SuccessFraction", "FailureFraction", "StalledIsFailure", "TimeoutHours", "OnTimeout",
                            "OnGone"}  # fmt: skip
    ops = Ops({f"WorkloadManagement/Scouting/{k}": v for k, v in written.items()})
    policy = policyFromCS(ops)
    assert (policy.successFraction, policy.timeoutSeconds, policy.onGone) == (0.3, 6 * 3600, "fail")
    assert policyFromCS(Ops({"WorkloadManagement/Scouting/StalledIsFailure": "False"})).stalledIsFailure is False
    with pytest.raises(ValueError):
        policyFromCS(Ops({"WorkloadManagement/Scouting/OnTimeout": "maybe"}))
