"""What to do with primary jobs, given the states of their scouts: wait, release or fail.

Scouts are a few small clones of a job set that run first; the primaries wait in ``Scouting``. The
decision is pure so it can be tested for every mix of scout states without a WMS. The agent that
applies it gathers the scouts' states, calls :func:`scoutVerdict` and moves primaries in bulk.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

DONE = {"Done", "Completed"}
FAILED = {"Failed"}
STALLED = {"Stalled"}
GONE = {"Killed", "Deleted"}
#: DIRAC's JobWrapper reports a running job stopped by a kill as Failed with this minor status
#: (``JobMinorStatus.RECEIVED_KILL_SIGNAL``): the scout was killed, it did not fail
KILL_SIGNAL = "Received Kill signal"
WAIT, RELEASE, FAIL = "wait", "release", "fail"
MAX_SCOUTS = 100


def parseScoutID(value: str) -> list[int]:
    """The scout job IDs named by a primary's ``ScoutID``: comma-separated IDs or ``first:last`` ranges.

    Raises ValueError on anything else, or on more than :data:`MAX_SCOUTS` jobs (a job set never has
    that many scouts; a huge range would make the agent query the whole JobDB).
    """
    ids: set[int] = set()
    for part in str(value).strip().strip('"').split(","):
        first, _, last = part.strip().partition(":")
        try:
            lo, hi = int(first), int(last or first)
        except ValueError:
            raise ValueError(f"ScoutID {value!r} is not a list of job IDs or 'first:last' ranges") from None
        if lo <= 0 or hi < lo or hi - lo + 1 > MAX_SCOUTS:
            raise ValueError(f"ScoutID {value!r} is not 1 to {MAX_SCOUTS} positive job IDs")
        ids.update(range(lo, hi + 1))
        if len(ids) > MAX_SCOUTS:
            raise ValueError(f"ScoutID {value!r} is not 1 to {MAX_SCOUTS} positive job IDs")
    return sorted(ids)


def formatScoutID(jobIDs: list[int]) -> str:
    """The shortest ``ScoutID`` naming ``jobIDs`` (contiguous runs become ranges)."""
    ids = sorted({int(j) for j in jobIDs})
    if not ids:
        raise ValueError("a scouted job set needs at least one scout")
    runs, start = [], ids[0]
    for prev, cur in zip(ids, ids[1:] + [None], strict=True):
        if cur is None or cur != prev + 1:
            runs.append(f"{start}:{prev}" if prev != start else str(start))
            start = cur
    return ",".join(runs)


@dataclass(frozen=True)
class ScoutPolicy:
    """Thresholds, from Operations ``WorkloadManagement/Scouting`` (fractions of the scouts of a set).

    ``onTimeout`` and ``onGone`` are ``release`` or ``fail``: what happens to primaries whose scouts are
    still unfinished after ``timeoutSeconds``, or were all killed/deleted before proving anything.
    """

    successFraction: float = 0.3
    failureFraction: float = 0.5
    stalledIsFailure: bool = True
    timeoutSeconds: float = 6 * 3600
    onTimeout: str = FAIL
    onGone: str = FAIL

    def __post_init__(self):
        for name in ("onTimeout", "onGone"):
            if getattr(self, name) not in (RELEASE, FAIL):
                raise ValueError(f"ScoutPolicy.{name} must be 'release' or 'fail', not {getattr(self, name)!r}")
        if not (0 < self.successFraction <= 1 and 0 < self.failureFraction <= 1):
            raise ValueError("ScoutPolicy fractions must be in (0, 1]")


@dataclass(frozen=True)
class Verdict:
    action: str
    reason: str


def _why(scouts: list[dict], states: set[str]) -> str:
    """The commonest minor/application status among the scouts in ``states`` (what the user should read)."""
    reasons = Counter(
        s.get("ApplicationStatus") if s.get("ApplicationStatus") not in (None, "", "Unknown") else s.get("MinorStatus")
        for s in scouts
        if _status(s) in states
    )
    return reasons.most_common(1)[0][0] if reasons else "unknown reason"


def _status(scout: dict) -> str | None:
    """The scout's status, with a killed running scout (Failed by its JobWrapper) counted as Killed."""
    if scout.get("Status") in FAILED and scout.get("MinorStatus") == KILL_SIGNAL:
        return "Killed"
    return scout.get("Status")


def scoutVerdict(scouts: list[dict], ageSeconds: float, policy: ScoutPolicy = ScoutPolicy()) -> Verdict:
    """Decide for one scouted job set.

    :param scouts: one dict per scout with ``Status`` (and ``MinorStatus``/``ApplicationStatus`` if known);
                   a scout that no longer exists in the WMS should be passed as ``{"Status": "Deleted"}``
    :param ageSeconds: time since the scouts were submitted
    """
    total = len(scouts)
    if total == 0:
        return Verdict(RELEASE, "no scout jobs")
    counts = Counter(_status(s) for s in scouts)
    done = sum(counts[s] for s in DONE)
    bad_states = FAILED | (STALLED if policy.stalledIsFailure else set())
    failed = sum(counts[s] for s in bad_states)
    gone = sum(counts[s] for s in GONE)
    finished = done + failed + gone + (0 if policy.stalledIsFailure else counts["Stalled"])
    if failed and failed >= policy.failureFraction * total:
        return Verdict(FAIL, f"{failed}/{total} scout jobs failed: {_why(scouts, bad_states)}")
    if done and done >= policy.successFraction * total:
        return Verdict(RELEASE, f"{done}/{total} scout jobs done")
    if finished == total:
        if done:
            return Verdict(RELEASE, f"{done}/{total} scout jobs done, the others ended without result")
        return Verdict(policy.onGone, f"scout jobs ended without result ({gone} killed or deleted)")
    if ageSeconds > policy.timeoutSeconds:
        return Verdict(policy.onTimeout, f"scout jobs unfinished after {policy.timeoutSeconds / 3600:g} h")
    return Verdict(WAIT, f"{total - finished}/{total} scout jobs pending")


def planScoutedSets(
    primaries: dict[int, dict], scouts: dict[int, dict], now: float, policy: ScoutPolicy = ScoutPolicy()
) -> list[tuple[str, str, list[int]]]:
    """Group primaries by their ``ScoutID`` and decide each set: ``[(action, reason, primaryIDs), ...]``.

    :param primaries: ``{jobID: {"ScoutID": str, "Owner": str}}`` for jobs in status Scouting
    :param scouts: ``{jobID: {"Status", "MinorStatus", "ApplicationStatus", "Owner", "SubmissionTime"}}``
                   for every scout job that still exists (epoch seconds for ``SubmissionTime``)
    :param now: epoch seconds

    A set whose ``ScoutID`` is malformed, or names jobs of another owner, fails: otherwise anyone could
    release their primaries with someone else's successful jobs. Sets still waiting are not returned.
    """
    bySet: dict[str, list[int]] = {}
    for jid, info in primaries.items():
        bySet.setdefault(str(info.get("ScoutID", "")), []).append(jid)
    plan = []
    for scoutID, jobs in bySet.items():
        owners = {primaries[j].get("Owner") for j in jobs}
        try:
            ids = parseScoutID(scoutID)
        except ValueError as exc:
            plan.append((FAIL, str(exc), sorted(jobs)))
            continue
        states = [scouts.get(i, {"Status": "Deleted"}) for i in ids]
        foreign = {s.get("Owner") for s in states if s.get("Owner")} - owners
        if foreign or len(owners) > 1:
            plan.append((FAIL, f"ScoutID {scoutID} names jobs of another owner", sorted(jobs)))
            continue
        submitted = [s["SubmissionTime"] for s in states if s.get("SubmissionTime")]
        verdict = scoutVerdict(states, now - min(submitted) if submitted else 0.0, policy)
        if verdict.action != WAIT:
            plan.append((verdict.action, verdict.reason, sorted(jobs)))
    return plan


def cpuRequirement(
    scoutCPU: list[float],
    scoutEvents: int = 0,
    primaryEvents: int = 0,
    margin: float = 2.0,
    floor: float = 3600.0,
    cap: float = 7 * 24 * 3600.0,
) -> int | None:
    """The CPU time (normalised seconds, JDL ``CPUTime``) to ask for the primaries, from what scouts used.

    The slowest scout counts (input files differ); it is scaled from the scouts' events to the primaries'
    when both are known, times ``margin``, and kept within ``[floor, cap]`` so that one odd scout neither
    starves the primaries of queue length nor sends them only to the longest queues. ``None`` when no
    scout reported a CPU time: the primaries then keep their own requirement.
    """
    used = [float(c) for c in scoutCPU if c is not None and float(c) >= 0]
    if not used:
        return None
    scale = primaryEvents / scoutEvents if scoutEvents > 0 and primaryEvents > 0 else 1.0
    return int(min(cap, max(floor, max(used) * scale * margin)))


def summarizeSets(primaries: dict[int, dict], scouts: dict[int, dict]) -> list[dict]:
    """One row per job set in Scouting, for operators: owner, group, primaries, and each scout's status.

    :param primaries: as for :func:`planScoutedSets`, optionally with ``JobGroup``
    :param scouts: as for :func:`planScoutedSets`
    """
    sets: dict[str, dict] = {}
    for jid, info in sorted(primaries.items()):
        row = sets.setdefault(
            str(info.get("ScoutID", "")),
            {"ScoutID": str(info.get("ScoutID", "")), "Owner": info.get("Owner"), "JobGroup": info.get("JobGroup"),
             "Primaries": []},
        )  # fmt: skip
        row["Primaries"].append(jid)
    for row in sets.values():
        try:
            ids = parseScoutID(row["ScoutID"])
        except ValueError:
            ids = []
        row["Scouts"] = {i: scouts.get(i, {}).get("Status", "Deleted") for i in ids}
    return list(sets.values())
