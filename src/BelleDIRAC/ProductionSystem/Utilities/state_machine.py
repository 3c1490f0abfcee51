"""The life of a production, as one table, so the service, the agents and the CLI cannot disagree on it.

A production is ``New`` when submitted, ``Validating`` while its scout jobs run, ``Active`` once they
passed, and ends ``Completed`` or ``Failed``; a manager may stop and resume it, and cleaning removes its
outputs. Every state change goes through :func:`nextState`, which refuses anything not in the table with a
message naming the states the action is allowed from, so a CLI can show it as is.

A production is run by DIRAC transformations; :data:`TS_STATUS` says which Transformation status they
must have in each production state (while validating only the scouts run, so the transformations wait
``Stopped``).
"""

from __future__ import annotations

NEW, VALIDATING, ACTIVE, STOPPED = "New", "Validating", "Active", "Stopped"
COMPLETED, FAILED, CLEANING, CLEANED = "Completed", "Failed", "Cleaning", "Cleaned"
STATES = (NEW, VALIDATING, ACTIVE, STOPPED, COMPLETED, FAILED, CLEANING, CLEANED)
# States in which the production agents work on it.
ACTIVE_STATES = (VALIDATING, ACTIVE)
# No more jobs will run in these states; only cleaning may follow.
FINAL_STATES = (COMPLETED, FAILED, CLEANED)

# action: (states it is allowed from, resulting state); "resume" depends on whether validation had passed.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "validate": ((NEW,), VALIDATING),
    "activate": ((VALIDATING,), ACTIVE),
    "fail": ((NEW, VALIDATING, ACTIVE), FAILED),
    "stop": ((VALIDATING, ACTIVE), STOPPED),
    "resume": ((STOPPED,), ACTIVE),
    "complete": ((ACTIVE,), COMPLETED),
    "clean": ((COMPLETED, STOPPED, FAILED), CLEANING),
    "cleaned": ((CLEANING,), CLEANED),
}
ACTIONS = tuple(TRANSITIONS)

# Production state -> status of its DIRAC transformations.
TS_STATUS: dict[str, str] = {
    NEW: "New",
    VALIDATING: "Stopped",
    ACTIVE: "Active",
    STOPPED: "Stopped",
    COMPLETED: "Completed",
    FAILED: "Stopped",
    CLEANING: "Cleaning",
    CLEANED: "Cleaned",
}


class TransitionError(ValueError):
    """A state change that is not allowed; the message says from which states it would be."""


def nextState(current: str, action: str, validated: bool = True) -> str:
    """The state after ``action``; ``validated`` tells whether a stopped production had passed validation
    (resuming it goes back to ``Validating`` otherwise)."""
    if current not in STATES:
        raise TransitionError(f"unknown production state {current!r} (states: {', '.join(STATES)})")
    if action not in TRANSITIONS:
        raise TransitionError(f"unknown action {action!r} (actions: {', '.join(ACTIONS)})")
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise TransitionError(f"cannot {action} a production that is {current}; allowed from: {', '.join(sources)}")
    if action == "resume" and not validated:
        return VALIDATING
    return target


def allowedActions(current: str) -> list[str]:
    """The actions possible from ``current``, in :data:`ACTIONS` order (for CLI help and web buttons)."""
    if current not in STATES:
        raise TransitionError(f"unknown production state {current!r} (states: {', '.join(STATES)})")
    return [action for action, (sources, _) in TRANSITIONS.items() if current in sources]
