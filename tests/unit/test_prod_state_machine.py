"""Production states: every allowed transition, every refused one, and the Transformation statuses."""

import pytest

from BelleDIRAC.ProductionSystem.Utilities import state_machine as S

ALLOWED = {
    ("New", "validate"): "Validating",
    ("Validating", "activate"): "Active",
    ("New", "fail"): "Failed",
    ("Validating", "fail"): "Failed",
    ("Active", "fail"): "Failed",
    ("Validating", "stop"): "Stopped",
    ("Active", "stop"): "Stopped",
    ("Stopped", "resume"): "Active",
    ("Active", "complete"): "Completed",
    ("Completed", "clean"): "Cleaning",
    ("Stopped", "clean"): "Cleaning",
    ("Failed", "clean"): "Cleaning",
    ("Cleaning", "cleaned"): "Cleaned",
}


def test_constants():
    assert S.STATES == ("New", "Validating", "Active", "Stopped", "Completed", "Failed", "Cleaning", "Cleaned")
    assert set(S.ACTIONS) == {a for _, a in ALLOWED}
    assert S.ACTIVE_STATES == ("Validating", "Active")
    assert set(S.FINAL_STATES) == {"Completed", "Failed", "Cleaned"}


@pytest.mark.parametrize("state", S.STATES)
@pytest.mark.parametrize("action", S.ACTIONS)
def test_whole_table(state, action):
    if (state, action) in ALLOWED:
        assert S.nextState(state, action) == ALLOWED[state, action]
        assert action in S.allowedActions(state)
    else:
        with pytest.raises(S.TransitionError, match=f"^cannot {action} a production that is {state}; allowed from: "):
            S.nextState(state, action)
        assert action not in S.allowedActions(state)


def test_message_lists_allowed_states():
    with pytest.raises(S.TransitionError) as exc:
        S.nextState("Completed", "stop")
    assert str(exc.value) == "cannot stop a production that is Completed; allowed from: Validating, Active"


def test_resume_before_validation_goes_back_to_validating():
    assert S.nextState("Stopped", "resume", validated=False) == "Validating"
    assert S.nextState("Stopped", "resume", validated=True) == "Active"
    assert S.nextState("Active", "stop", validated=False) == "Stopped"  # flag only matters for resume


def test_unknown_state_and_action():
    with pytest.raises(S.TransitionError, match="unknown production state 'Running' .states: New, Validating"):
        S.nextState("Running", "stop")
    with pytest.raises(S.TransitionError, match="unknown action 'pause' .actions: validate, activate"):
        S.nextState("Active", "pause")
    with pytest.raises(S.TransitionError, match="unknown production state"):
        S.allowedActions("Running")
    assert issubclass(S.TransitionError, ValueError)


def test_final_and_cleaned():
    assert S.allowedActions("Cleaned") == []
    assert S.allowedActions("Active") == ["fail", "stop", "complete"]
    for state in S.FINAL_STATES:
        assert not {"validate", "activate", "resume", "stop", "complete"} & set(S.allowedActions(state))


def test_transformation_status_for_every_state():
    assert set(S.TS_STATUS) == set(S.STATES)
    assert S.TS_STATUS == {
        "New": "New",
        "Validating": "Stopped",
        "Active": "Active",
        "Stopped": "Stopped",
        "Completed": "Completed",
        "Failed": "Stopped",
        "Cleaning": "Cleaning",
        "Cleaned": "Cleaned",
    }
    # only Active lets the transformation agents create jobs
    assert [s for s in S.STATES if S.TS_STATUS[s] == "Active"] == ["Active"]
