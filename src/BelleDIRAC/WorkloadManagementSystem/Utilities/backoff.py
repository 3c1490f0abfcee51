"""Back-off arithmetic for agents that poll: pure, so the bound can be tested without an agent."""


def capped_failure_count(failures: int, pollingTime: int, maxWait: int) -> int:
    """The failure count to feed DIRAC's ``2 * pollingTime * (count + 1)`` sleep so it stays <= ``maxWait``.

    ``maxWait <= 0`` means no cap. The count never goes below 1 once there was a failure, so a waiting
    agent always sleeps at least ``4 * pollingTime`` like DIRAC's after its first empty request.
    """
    if maxWait <= 0 or failures <= 0:
        return failures
    cap = max(1, maxWait // (2 * max(pollingTime, 1)) - 1)
    return min(failures, cap)
