"""Scouting: what the optimizer costs every job, and what scouts save when a storm of jobs is hopeless.

* chain overhead: 1000 parametric jobs from submission until they leave the optimizers, with DIRAC's
  chain (JobPath, JobSanity, InputData, JobScheduling) and with ours (Scouting after JobSanity), in the
  same run, alternating; plus 1000 scouted primaries to ``Scouting``.
* storm: N primaries whose scouts fail: time until all are Failed, the agent's cycle at that size, and
  the CPU the payloads used against running every job.

The local pilots are paused during the chain measurement (running jobs would compete for the cores).
"""

from __future__ import annotations

import re
import time

from b2stack import database, procs, stack
from benchmarks.bench_stack import parametric_to_waiting
from tests.integration.conftest import Client

EXECUTORS = "/Systems/WorkloadManagement/Executors"
VANILLA = ["-o", f"{EXECUTORS}/Optimizers/Load=JobPath,JobSanity,InputData,JobScheduling",
           "-o", f"{EXECUTORS}/JobPath/BasePath=JobPath,JobSanity"]  # fmt: skip
AGENT_LOG = "ScoutingJobStatusAgent"
HOLDER = '[ Executable = "/bin/true"; JobType = "User"; JobName = "bench-scout"; ]'


def _optimizers(name: str, extra: list[str]) -> None:
    for other in ("optimizers", "bench-optimizers"):
        procs.stop(other)
    argv = ["dirac-executor", "WorkloadManagement/Optimizers", *extra]
    procs.start(name, argv, procs.base_env(["server.cfg"]))
    time.sleep(5)  # connects to the OptimizationMind, which then hands it the jobs


def _submit_one(client: Client, jdl: str) -> int:
    res = client.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        result = WMSClient().submitJob({jdl!r})
        """)
    assert res["OK"], res
    return int(res["Value"])


def chain_overhead(n: int = 1000, rounds: int = 2) -> dict:
    from b2stack import pilots

    client = Client("b2analyst", "belle_user")
    pilots.stop_all()
    times: dict[str, list[float]] = {"vanilla": [], "belle": [], "belle_scouted": []}
    holder = _submit_one(client, HOLDER)  # a scout that never runs while the pilots are paused
    try:
        for _ in range(rounds):
            _optimizers("bench-optimizers", VANILLA)
            times["vanilla"].append(parametric_to_waiting(n)[1])
            _optimizers("optimizers", [])
            times["belle"].append(parametric_to_waiting(n)[1])
            times["belle_scouted"].append(parametric_to_waiting(n, extra=f'ScoutID = "{holder}";')[1])
    finally:
        procs.stop("bench-optimizers")
        name, argv, env, _port = next(c for c in stack.components() if c[0] == "optimizers")
        stack.start_component(name, argv, env)
        client.python(f"""
            from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
            result = WMSClient().deleteJob([{holder}])["OK"]
            """)
        pilots.start_all()
    best = {k: min(v) for k, v in times.items()}
    return {
        f"chain_{n}_to_waiting_s_vanilla": round(best["vanilla"], 1),
        f"chain_{n}_to_waiting_s_belle": round(best["belle"], 1),
        f"chain_{n}_to_scouting_s_belle": round(best["belle_scouted"], 1),
        "chain_ratio_belle_over_vanilla": round(best["belle"] / best["vanilla"], 3),
        "chain_ratio_scouted_over_vanilla": round(best["belle_scouted"] / best["vanilla"], 3),
    }


BURN = "sum(range(20000000)) and exit(3)"


def storm(n: int = 100_000, per_submit: int = 5000, timeout: float = 7200) -> dict:
    """``n`` primaries behind 2 scouts that burn CPU and fail; everything measured from JobDB and logs."""
    client = Client("b2analyst", "belle_user")
    jdl = (f'[ Executable = "/usr/bin/python3"; Arguments = "-c \'{BURN}\'"; JobType = "User"; '
           f'JobName = "storm"; ]')  # fmt: skip
    t0 = time.monotonic()
    res = client.python(
        f"""
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        from BelleDIRAC.WorkloadManagementSystem.Client.Scouts import scoutJDL, primaryJDL
        wms = WMSClient()
        scouts = wms.submitJob(scoutJDL({jdl!r}, 2, 10))["Value"]
        template = {jdl!r}.replace("]", "Parameters = {per_submit}; ParameterStart = 0; ParameterStep = 1; ]")
        primaries = []
        for _ in range({n} // {per_submit}):
            res = wms.submitJob(primaryJDL(template, scouts))
            assert res["OK"], res
            primaries += res["Value"]
        result = [scouts, primaries[0], primaries[-1], len(primaries)]
        """,
        timeout=timeout,
    )
    scouts, first, last, count = res
    submitted = time.monotonic() - t0
    conn = database.connect("JobDB")
    cur = conn.cursor()

    def count_status(status: str) -> int:
        cur.execute(f"SELECT COUNT(*) FROM Jobs WHERE JobID BETWEEN {first} AND {last} AND Status=%s", (status,))
        return cur.fetchone()[0]

    deadline = time.monotonic() + timeout
    while count_status("Failed") < count and time.monotonic() < deadline:
        time.sleep(5)
    all_failed = time.monotonic() - t0
    cur.execute(f"SELECT COUNT(*) FROM Jobs WHERE JobID BETWEEN {first} AND {last} AND StartExecTime IS NOT NULL")
    ran = cur.fetchone()[0]
    cpu = client.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        params = JobMonitoringClient().getJobParameters({scouts}, ["TotalCPUTime(s)"])["Value"]
        result = [float(p.get("TotalCPUTime(s)", 0)) for p in params.values()]
        """)
    cycles = [float(m) for m in re.findall(r"Scouting cycle .* failed in ([\d.]+) s", procs.tail(AGENT_LOG, 4000))]
    # the primaries are Failed (final): the JobCleaningAgent removes them like any other user's jobs
    per_job = sum(cpu) / len(cpu) if cpu else 0.0
    return {
        "storm_primaries": count,
        "storm_submit_s": round(submitted, 1),
        "storm_until_all_failed_s": round(all_failed, 1),
        "storm_primaries_that_ran": ran,
        "storm_agent_longest_cycle_s": max(cycles) if cycles else None,
        "storm_scout_cpu_s": round(sum(cpu), 2),
        "storm_cpu_ratio_scouts_over_all": round(sum(cpu) / (per_job * (count + len(scouts))), 6) if per_job else None,
    }


def agent_cycle(n: int = 10_000, timeout: float = 1200) -> dict:
    """One agent cycle that fails ``n`` primaries held together (their only scout is killed)."""
    from b2stack import pilots

    client = Client("b2analyst", "belle_user")
    pilots.stop_all()
    try:
        holder = _submit_one(client, HOLDER)
        parametric_to_waiting(n, timeout=timeout, extra=f'ScoutID = "{holder}";', delete=False)
        client.python(f"""
            from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
            result = WMSClient().killJob([{holder}])["OK"]
            """)
        pattern = rf"Scouting cycle {n} primaries, 0 released, {n} failed in ([\d.]+) s"
        deadline = time.monotonic() + timeout
        while not (found := re.findall(pattern, procs.tail(AGENT_LOG, 400))) and time.monotonic() < deadline:
            time.sleep(2)
    finally:
        pilots.start_all()
    return {f"agent_cycle_failing_{n}_held_s": float(found[-1]) if found else None}
