"""Stack start time (cold: nothing running; warm: everything running) and 1000 parametric jobs to Waiting.

These are the baselines later features are compared against. Jobs made here run ``/bin/true`` and are
deleted once measured, so the benchmark leaves no work behind for the pilots.
"""

from __future__ import annotations

import time

from b2stack import layout, procs, stack
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
  {extra}
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


def parametric_to_waiting(
    n: int = 1000, url: str | None = None, timeout: float = 900, extra: str = "", delete: bool = True
) -> tuple[float, float]:
    """Submit ``n`` parametric jobs (to ``url``'s JobManager, default the stack's; ``extra`` JDL lines);
    (submit s, s until all have left the optimizers)."""
    client = Client("b2analyst", "belle_user")
    manager = f"JobManagerClient(url={url!r})" if url else "None"
    t0 = time.monotonic()
    res = client.python(
        f"""
        from DIRAC.WorkloadManagementSystem.Client.JobManagerClient import JobManagerClient
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        result = WMSClient(jobManagerClient={manager}).submitJob({PARAMETRIC.format(n=n, extra=extra)!r})
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
    if delete:
        client.python(f"""
            from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
            result = WMSClient().deleteJob({ids})
            """)
    assert waiting, "jobs did not all leave the optimizers in time"
    return submitted, total


def jobmanager_ours_vs_vanilla(n: int = 1000, rounds: int = 3) -> dict:
    """BelleDIRAC's JobManager (with the JDL policy) against DIRAC's, both DIPS, same stack, alternating.

    The local pilots are paused meanwhile, so that running jobs do not compete for the two cores.
    """
    from b2stack import pilots

    pilots.stop_all()
    env = procs.base_env(["server.cfg"])
    ours, vanilla = layout.BENCH_PORTS["JobManager"], layout.BENCH_PORTS["VanillaJobManager"]
    dirac_handler = "DIRAC/WorkloadManagementSystem/Service/JobManagerHandler.py"
    procs.start("bench-jm-belle", ["dirac-service", "WorkloadManagement/JobManager", "-o", f"Port={ours}"], env)
    procs.start("bench-jm-dirac", ["dirac-service", "WorkloadManagement/JobManager", "-o", f"Port={vanilla}",
                                   "-o", f"HandlerPath={dirac_handler}"], env)  # fmt: skip
    try:
        procs.wait_port("bench-jm-belle", ours)
        procs.wait_port("bench-jm-dirac", vanilla)
        url = "dips://localhost:{}/WorkloadManagement/JobManager"
        times = {"belle": [], "dirac": []}
        for _ in range(rounds):
            times["dirac"].append(parametric_to_waiting(n, url.format(vanilla)))
            times["belle"].append(parametric_to_waiting(n, url.format(ours)))
    finally:
        procs.stop("bench-jm-belle")
        procs.stop("bench-jm-dirac")
        pilots.start_all()
    best = {k: (min(t[0] for t in v), min(t[1] for t in v)) for k, v in times.items()}
    return {
        f"parametric_{n}_submit_s_belle": round(best["belle"][0], 2),
        f"parametric_{n}_submit_s_dirac": round(best["dirac"][0], 2),
        f"parametric_{n}_submit_ratio_belle_over_dirac": round(best["belle"][0] / best["dirac"][0], 3),
        f"parametric_{n}_all_waiting_s_belle": round(best["belle"][1], 1),
        f"parametric_{n}_all_waiting_s_dirac": round(best["dirac"][1], 1),
    }
