"""Helpers of the scouting tests: submit a scouted job set the way gbasf2 does, and follow many jobs."""

from __future__ import annotations

import time

PRIMARIES = 100
FINAL = {"Done", "Failed", "Killed", "Deleted"}


def submit_set(client, payload: str, n_primaries: int = PRIMARIES, extra: str = "", **settings) -> dict:
    """A parametric set of ``n_primaries`` jobs running ``payload`` (a shell command) with scouts, through
    :func:`submitScoutedJobSet`; ``settings`` override :class:`ScoutSettings` fields."""
    jdl = (
        f'[ Executable = "/bin/sh"; Arguments = "-c \'{payload}\' %n"; JobType = "User"; JobName = "set"; '
        f"Parameters = {n_primaries}; ParameterStart = 0; ParameterStep = 1; {extra} ]"
    )
    result = client.python(f"""
        from BelleDIRAC.WorkloadManagementSystem.Client.Scouts import ScoutSettings, submitScoutedJobSet
        settings = ScoutSettings(**{ {"minJobs": 1, **settings}!r})
        res = submitScoutedJobSet({jdl!r}, "{client.group}", settings=settings)
        result = res["Value"] if res["OK"] else res
        """)
    assert "Primaries" in result, result
    assert len(result["Primaries"]) == n_primaries, result
    return result


def states(client, jobs: list[int]) -> dict[int, dict]:
    result = client.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        result = JobMonitoringClient().getJobsStates({list(jobs)})["Value"]
        """)
    return {int(k): v for k, v in result.items()}


def wait_all(client, jobs, wanted: set[str], timeout: float = 300) -> dict[int, dict]:
    """Poll until every job's status is in ``wanted`` (or the time is up); return the last states."""
    deadline = time.monotonic() + timeout
    while True:
        now = states(client, jobs)
        if all(s["Status"] in wanted for s in now.values()) or time.monotonic() > deadline:
            return now
        time.sleep(3)


def history(client, jobs: list[int]) -> dict[int, list]:
    """Every job's logging records ``[status, minor, application, time, source]``."""
    result = client.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        mon = JobMonitoringClient()
        result = {{j: mon.getJobLoggingInfo(j)["Value"] for j in {list(jobs)}}}
        """)
    return {int(k): v for k, v in result.items()}
