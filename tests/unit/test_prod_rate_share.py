"""Sharing job slots between productions: examples, then invariants over random demands."""

import random

import pytest

from BelleDIRAC.ProductionSystem.Utilities.rate_share import Demand, share, targets


def test_proportional_to_priority_when_all_have_plenty():
    demands = [Demand(1, 1, 0, 1000), Demand(2, 3, 0, 1000)]
    assert share(100, demands) == {1: 25, 2: 75}


def test_in_flight_counts_against_the_share():
    demands = [Demand(1, 1, 40, 1000), Demand(2, 1, 0, 1000)]
    assert share(100, demands) == {1: 10, 2: 50}  # both end at 50 in flight
    assert share(100, [Demand(1, 1, 90, 5), Demand(2, 1, 0, 1000)]) == {1: 1, 2: 9}


def test_no_free_capacity():
    assert share(100, [Demand(1, 5, 100, 10), Demand(2, 5, 0, 10)]) == {1: 0, 2: 0}
    assert share(100, [Demand(1, 5, 120, 10)]) == {1: 0}
    assert share(0, [Demand(1, 5, 0, 10)]) == {1: 0}


def test_work_conserving_when_others_have_nothing_pending():
    demands = [Demand(1, 9, 10, 0), Demand(2, 1, 0, 1000), Demand(3, 1, 0, 0)]
    assert share(100, demands) == {1: 0, 2: 90, 3: 0}


def test_everything_fits():
    assert share(100, [Demand(1, 1, 0, 3), Demand(2, 10, 0, 4)]) == {1: 3, 2: 4}


def test_low_priority_never_starves():
    demands = [Demand(1, 10, 0, 1000), Demand(2, 10, 0, 1000), Demand(3, 1, 0, 1000)]
    got = share(10, demands)
    assert got[3] >= 1 and sum(got.values()) == 10
    assert share(1000, [Demand(1, 10, 0, 10**6), Demand(2, 1, 0, 10**6)])[2] >= 1


def test_max_per_cycle_caps_total_and_too_small_budget_goes_to_least_served():
    demands = [Demand(1, 1, 0, 1000), Demand(2, 3, 0, 1000)]
    assert share(100, demands, maxPerCycle=8) == {1: 2, 2: 6}
    assert sum(share(100, [Demand(i, 1, i, 5) for i in range(1, 6)], maxPerCycle=2).values()) == 2
    assert share(100, [Demand(1, 1, 3, 5), Demand(2, 1, 0, 5), Demand(3, 1, 0, 5)], maxPerCycle=2) == {
        1: 0,
        2: 1,
        3: 1,
    }
    assert share(100, demands, maxPerCycle=0) == {1: 0, 2: 0}


def test_deterministic_ties_by_prod_id():
    assert share(3, [Demand(5, 1, 0, 9), Demand(2, 1, 0, 9)], maxPerCycle=1) == {5: 0, 2: 1}
    assert share(3, [Demand(5, 1, 0, 9), Demand(2, 1, 0, 9)]) == {5: 1, 2: 2}


def test_targets():
    t = targets(100, [Demand(1, 1, 0, 5), Demand(2, 199, 0, 5), Demand(3, 5, 0, 0)])
    assert t == {1: 1.0, 2: 99.5}


@pytest.mark.parametrize(
    "demands, message",
    [
        ([Demand(1, 1, 0, 1), Demand(1, 2, 0, 1)], "production 1 appears twice"),
        ([Demand(1, 0, 0, 1)], "priority 0: priorities start at 1"),
        ([Demand(1, 1, -1, 1)], "negative task count"),
    ],
)
def test_bad_demands(demands, message):
    with pytest.raises(ValueError, match=message):
        share(10, demands)


def test_random_invariants():
    rng = random.Random(2024)
    for _ in range(400):
        n = rng.randint(1, 8)
        demands = [
            Demand(rng.randint(1, 10**6), rng.randint(1, 10), rng.randint(0, 40), rng.choice([0, 1, 5, 50, 500]))
            for _ in range(n)
        ]
        demands = list({d.prodID: d for d in demands}.values())
        capacity = rng.randint(0, 300)
        cap = rng.choice([None, 0, 3, 50])
        got = share(capacity, demands, maxPerCycle=cap)
        assert share(capacity, list(reversed(demands)), maxPerCycle=cap) == got  # order-independent
        free = capacity - sum(d.inFlight for d in demands)
        budget = free if cap is None else min(free, cap)
        assert set(got) == {d.prodID for d in demands}
        assert all(0 <= got[d.prodID] <= d.pending for d in demands)
        assert sum(got.values()) <= max(budget, 0)
        hungry = [d for d in demands if d.pending]
        if budget >= len(hungry):
            assert all(got[d.prodID] >= 1 for d in hungry), "starvation"
        # work-conserving: a free slot is left only when nobody has pending work left
        if sum(got.values()) < max(budget, 0):
            assert all(got[d.prodID] == d.pending for d in demands)


def test_random_proportionality_with_plenty_pending():
    rng = random.Random(7)
    for _ in range(100):
        demands = [Demand(i, rng.randint(1, 10), 0, 10**5) for i in range(1, rng.randint(2, 6))]
        capacity = rng.randint(500, 5000)
        got = share(capacity, demands)
        total = sum(d.priority for d in demands)
        assert sum(got.values()) == capacity
        for d in demands:
            assert abs(got[d.prodID] - capacity * d.priority / total) <= 2
