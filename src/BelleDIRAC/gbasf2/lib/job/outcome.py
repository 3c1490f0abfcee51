"""What happened to each job after a bulk kill/delete/reschedule call. Pure.

DIRAC's JobManager answers one result for the whole list: ``S_OK([ids acted on])``, or ``S_ERROR`` with
``NonauthorizedJobIDs`` (someone else's jobs), ``InvalidJobIDs`` (unknown IDs) and ``FailedJobIDs``, while the
other jobs of the same call *were* acted on. The tools need the answer per job to say clearly which jobs were
refused and why, and to choose the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    """Per-job result of one action; ``done`` holds the jobs DIRAC acted on."""

    action: str
    done: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    invalid: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not (self.refused or self.invalid or self.failed or self.error)

    def asDict(self) -> dict:
        return {
            "action": self.action,
            "done": self.done,
            "refused": self.refused,
            "invalid": self.invalid,
            "failed": self.failed,
            "skipped": {str(k): v for k, v in sorted(self.skipped.items())},
            "reasons": {str(k): v for k, v in sorted(self.reasons.items())},
            "error": self.error,
        }

    def lines(self) -> list[str]:
        """Human-readable report, one line per group of jobs."""
        out = []
        if self.done:
            out.append(f"{self.action.capitalize()}: {len(self.done)} jobs: {_ids(self.done)}")
        for jobID, why in sorted(self.skipped.items()):
            out.append(f"Skipped job {jobID}: {why}")
        if self.refused:
            out.append(
                f"Refused by DIRAC for {len(self.refused)} jobs (not yours, or your group may not {self.action} "
                f"them; ask their owner or an operator): {_ids(self.refused)}"
            )
        if self.invalid:
            out.append(f"Unknown job IDs (check the IDs with gb2_job_status): {_ids(self.invalid)}")
        plain = [j for j in self.failed if j not in self.reasons]
        if plain:
            out.append(f"DIRAC could not {self.action} {len(plain)} jobs (try again later): {_ids(plain)}")
        for jobID in sorted(set(self.failed) - set(plain)):
            out.append(f"Could not {self.action} job {jobID}: {self.reasons[jobID]}")
        if self.error and not (self.refused or self.invalid or self.failed):
            out.append(f"DIRAC answered: {self.error}")
        return out


def _ids(jobIDs) -> str:
    return " ".join(str(j) for j in sorted(jobIDs))


def _intList(values) -> list[int]:
    return sorted({int(v) for v in values or []})


def interpret(action: str, requested, result: dict) -> Outcome:
    """Split ``requested`` job IDs by DIRAC's bulk ``result`` (from WMSClient.killJob/deleteJob/...)."""
    requested = _intList(requested)
    outcome = Outcome(action)
    if result.get("OK"):
        value = result.get("Value")
        outcome.done = _intList(value) if isinstance(value, list) else requested
        return outcome
    outcome.refused = _intList(result.get("NonauthorizedJobIDs"))
    outcome.invalid = _intList(result.get("InvalidJobIDs"))
    outcome.failed = _intList(result.get("FailedJobIDs"))
    accounted = set(outcome.refused) | set(outcome.invalid) | set(outcome.failed)
    if accounted:
        outcome.done = [j for j in requested if j not in accounted]
    else:
        outcome.error = result.get("Message") or "unknown error"
        outcome.failed = requested
    return outcome
