"""Where transformation output should go: the SE with most weighted free space, never an SE that is nearly full.

Production and replication transformations must not fill one SE while others are empty, and must never push
an SE past a safe fill level (a full SE fails every upload of every task sent to it). The inputs are numbers
that the agent creating the transformation looked up once (space usage, site weights, optional network
weights), so the choice itself is pure and can be replayed in tests.

Common rules for both functions:

* ``usage`` is ``{SE: (usedBytes, totalBytes)}``; an SE without usage, with a non-positive total, or filled to
  ``maxFill`` (a fraction of its total) or more is not eligible: unknown space is treated as no space.
* ``weights`` is ``{SE: weight}``; an SE not listed weighs 1.0, and an SE of weight 0 (or less) is not used.
* Ties are broken alphabetically, so the same inputs always give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable


def _eligible(
    candidates: Iterable[str], usage: dict[str, tuple[int, int]], weights: dict[str, float], maxFill: float
) -> dict[str, tuple[int, int, float]]:
    """``{SE: (used, total, weight)}`` of the candidates that may receive data."""
    out = {}
    for se in sorted(set(candidates)):
        if se not in usage:
            continue
        used, total = (int(value) for value in usage[se])
        weight = float(weights.get(se, 1.0))
        if total <= 0 or used / total >= maxFill or weight <= 0:
            continue
        out[se] = (used, total, weight)
    return out


def chooseDestination(
    candidates: list[str],
    usage: dict[str, tuple[int, int]],
    weights: dict[str, float],
    sourceSite: str | None = None,
    maxFill: float = 0.95,
    networkWeights: dict[tuple[str, str], float] | None = None,
) -> str | None:
    """The best eligible SE among ``candidates``, or None when none is eligible.

    Score = free fraction (``1 - used/total``) × weight × network weight, the latter
    ``networkWeights[(sourceSite, SE)]`` when both are given (missing pairs weigh 1.0). The highest score
    wins; equal scores go to the alphabetically first SE. An SE whose score is 0 (network weight 0) is
    not chosen.
    """
    best, bestScore = None, 0.0
    for se, (used, total, weight) in _eligible(candidates, usage, weights, maxFill).items():
        network = 1.0
        if sourceSite is not None and networkWeights:
            network = float(networkWeights.get((sourceSite, se), 1.0))
        score = (1.0 - used / total) * weight * network
        if score > bestScore:  # SEs come sorted: a later SE must be strictly better
            best, bestScore = se, score
    return best


def spreadTasks(
    nTasks: int,
    candidates: list[str],
    usage: dict[str, tuple[int, int]],
    weights: dict[str, float],
    maxFill: float = 0.95,
) -> dict[str, int]:
    """``{SE: number of tasks}`` sharing ``nTasks`` among the eligible SEs in proportion to free bytes × weight.

    Free bytes are ``total - used``. Rounding is by largest remainder: every SE first gets the integer part of
    its share, the tasks left over go one each to the largest fractional parts (ties alphabetically). The counts
    sum to ``nTasks``; SEs that get no task are left out. Returns ``{}`` when no SE is eligible.
    """
    if int(nTasks) < 0:
        raise ValueError(f"nTasks must not be negative, not {nTasks!r}")
    capacity = {
        se: (total - used) * weight
        for se, (used, total, weight) in _eligible(candidates, usage, weights, maxFill).items()
    }
    totalCapacity = sum(capacity.values())
    if not nTasks or totalCapacity <= 0:
        return {}
    quotas = {se: int(nTasks) * cap / totalCapacity for se, cap in capacity.items()}
    counts = {se: int(quota) for se, quota in quotas.items()}
    leftover = int(nTasks) - sum(counts.values())
    for se in sorted(quotas, key=lambda se: (-(quotas[se] - counts[se]), se))[:leftover]:
        counts[se] += 1
    return {se: count for se, count in sorted(counts.items()) if count}


def assignDestinations(
    blocks: list[str],
    candidates: list[str],
    usage: dict[str, tuple[int, int]],
    weights: dict[str, float],
    maxFill: float = 0.95,
) -> dict[str, str]:
    """``{block: SE}``: each datablock gets one of ``candidates``, the blocks shared among the eligible SEs as
    :func:`spreadTasks` shares tasks (sorted blocks, filled SE by SE in name order, so a re-run agrees).
    Returns ``{}`` when no SE is eligible: the caller waits rather than send data to a full SE."""
    counts = spreadTasks(len(blocks), candidates, usage, weights, maxFill)
    if not counts:
        return {}
    ses = [se for se, count in counts.items() for _ in range(count)]
    return dict(zip(sorted(blocks), ses, strict=True))
