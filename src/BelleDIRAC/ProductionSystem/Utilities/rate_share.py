"""How many tasks each production may submit this cycle, so productions share the grid by priority.

The production system is given a capacity: how many of its jobs may be in flight at once. Each production
with work is entitled to ``capacity * priority / sum(priorities)`` of it. Free slots go to whoever is
furthest below its entitlement relative to its priority (the D'Hondt rule: next slot to the largest
``priority / (load + 1)``), which converges on exactly the proportional shares when everyone has enough
work, and keeps handing slots out proportionally when some have none left (work-conserving: capacity is
never left idle while someone has eligible tasks).

A priority-1 production next to priority-10 ones would round down to nothing, so before sharing, every
production with pending work gets one slot when there are enough free slots for all of them: nobody
starves. The result is deterministic (ties go to the lower production ID) so an agent cycle can be
replayed in a test.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass


@dataclass
class Demand:
    """One production's situation: ``pending`` tasks are not yet submitted and eligible now."""

    prodID: int
    priority: int
    inFlight: int
    pending: int


def _check(demands: list[Demand]) -> None:
    seen = set()
    for d in demands:
        if d.prodID in seen:
            raise ValueError(f"production {d.prodID} appears twice in the demands")
        seen.add(d.prodID)
        if d.priority < 1:
            raise ValueError(f"production {d.prodID} has priority {d.priority}: priorities start at 1")
        if d.inFlight < 0 or d.pending < 0:
            raise ValueError(f"production {d.prodID} has a negative task count")


def targets(capacity: int, demands: list[Demand]) -> dict[int, float]:
    """Each working production's entitled number of jobs in flight (at least 1); idle ones are left out."""
    working = [d for d in demands if d.pending > 0 or d.inFlight > 0]
    total = sum(d.priority for d in working)
    return {d.prodID: max(1.0, capacity * d.priority / total) for d in working}


def share(capacity: int, demands: list[Demand], maxPerCycle: int | None = None) -> dict[int, int]:
    """``{prodID: tasks to submit now}`` for every production in ``demands``.

    The total never exceeds the free capacity (``capacity`` minus all jobs in flight) nor ``maxPerCycle``;
    no production gets more than its ``pending``.
    """
    _check(demands)
    grant = {d.prodID: 0 for d in demands}
    budget = capacity - sum(d.inFlight for d in demands)
    if maxPerCycle is not None:
        budget = min(budget, maxPerCycle)
    hungry = sorted((d for d in demands if d.pending > 0), key=lambda d: d.prodID)
    if budget <= 0 or not hungry:
        return grant
    if sum(d.pending for d in hungry) <= budget:  # everything fits: no need to choose
        return grant | {d.prodID: d.pending for d in hungry}
    if budget >= len(hungry):  # no starvation: one slot each first
        for d in hungry:
            grant[d.prodID] = 1
        budget -= len(hungry)
    # D'Hondt: the next slot goes to the smallest (load + 1) / priority; ties by production ID.
    heap = [
        ((d.inFlight + grant[d.prodID] + 1) / d.priority, d.prodID, d) for d in hungry if grant[d.prodID] < d.pending
    ]
    heapq.heapify(heap)
    while budget > 0 and heap:
        _, prodID, d = heapq.heappop(heap)
        grant[prodID] += 1
        budget -= 1
        if grant[prodID] < d.pending:
            heapq.heappush(heap, ((d.inFlight + grant[prodID] + 1) / d.priority, prodID, d))
    return grant
