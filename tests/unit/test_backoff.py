"""The JobAgent's bounded back-off: the wait DIRAC derives from the capped count never exceeds MaxMatchWait."""

import pytest

from BelleDIRAC.WorkloadManagementSystem.Utilities.backoff import capped_failure_count


def dirac_sleep(count: int, polling: int) -> int:
    """What DIRAC's JobAgent.execute sleeps after an empty match request."""
    return polling * (count + 1) * 2


@pytest.mark.parametrize("polling,max_wait", [(1, 4), (2, 60), (20, 120), (5, 7)])
def test_wait_is_bounded(polling, max_wait):
    waits = [dirac_sleep(capped_failure_count(n, polling, max_wait), polling) for n in range(1, 500)]
    assert max(waits) <= max(max_wait, 4 * polling)
    assert waits == sorted(waits), "the wait must not shrink while the queue stays empty"


def test_no_cap_keeps_dirac_behaviour():
    assert [capped_failure_count(n, 20, 0) for n in range(5)] == [0, 1, 2, 3, 4]


def test_first_failures_unchanged_below_cap():
    assert capped_failure_count(1, 1, 100) == 1
    assert capped_failure_count(3, 1, 100) == 3
    assert capped_failure_count(0, 1, 4) == 0
