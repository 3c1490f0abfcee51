"""Stack start time (cold: nothing running; warm: everything running) and 1000 parametric jobs to Waiting.

These are the baselines later features are compared against. Jobs made here run ``/bin/true`` and are
deleted once measured, so the benchmark leaves no work behind for the pilots.
"""

from __future__ import annotations

import time

from b2stack import stack
from tests.integration.conftest import Client

PARAMETRIC = """[
  Executable = "/bin/true";
  JobName = "bench-%n";
  JobType = "User";
  Parameters = {n};
  ParameterStart = 0;
  ParameterStep = 1;
  StdOutput = "std.out";
  StdError = "std.err";
]"""


def start_times() -> dict:
    stack.down()
    t0 = time.monotonic()
    stack.up()
    cold = time.monotonic() - t0
    t0 = time.monotonic()
    stack.up()
    warm = time.monotonic() - t0
    return {"stack_start_cold_s": round(cold, 1), "stack_start_warm_s": round(warm, 1)}


def parametric_to_waiting(n: int = 1000, timeout: float = 900) -> dict:
    client = Client("b2analyst", "belle_user")
    t0 = time.monotonic()
    res = client.python(
        f"""
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        result = WMSClient().submitJob('''{PARAMETRIC.format(n=n)}''')
        """,
        timeout=timeout,
    )
    submitted = time.monotonic() - t0
    assert res["OK"], res
    ids = res["Value"]
    assert len(ids) == n, f"{len(ids)} jobs created, {n} expected"
    waiting = client.python(
        f"""
        import time
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        ids, deadline, done = {ids}, time.monotonic() + {timeout}, False
        while time.monotonic() < deadline and not done:
            states = JobMonitoringClient().getJobsStates(ids)["Value"]
            left = [j for j, s in states.items() if s["Status"] in ("Submitting", "Received", "Checking")]
            done = not left
            if not done:
                time.sleep(0.5)
        result = done
        """,
        timeout=timeout + 60,
    )
    total = time.monotonic() - t0
    client.python(
        f"""
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        result = WMSClient().deleteJob({ids})
        """
    )
    assert waiting, "jobs did not all leave the optimizers in time"
    return {f"parametric_{n}_submit_s": round(submitted, 1), f"parametric_{n}_all_waiting_s": round(total, 1)}
