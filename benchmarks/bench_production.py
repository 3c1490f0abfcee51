"""Production system under load: submitting a large MC production, and following one with many jobs in flight.

* submission: one cycle of our ``ProductionSubmissionAgent`` submitting every task of an Active MC production of
  ``n`` tasks (claims, parametric jobs of ``BulkSize`` tasks, confirmations), against one cycle of DIRAC's
  ``WorkflowTaskAgent`` submitting a plain DIRAC ``MCSimulation`` transformation of ``n`` tasks (a ``Job()``
  workflow running ``/bin/true``) at its best: ``BulkSubmission`` (parametric jobs of the JobManager's
  ``MaxParametricJobs``), ``TasksPerLoop`` = n, the production shifter's proxy. Both submit to DIRAC's own
  JobManager over DIPS (the same one for both), so only the agents differ. The figure is
  the agent's own ``Cycle took`` (the cycle ends once every task is recorded Submitted), checked against the
  TransformationDB.
  The agents alternate, ``rounds`` times each, and the best of each counts: this is what decides whether a
  campaign of many productions can be fed on time, and whether replacing DIRAC's agent was worth it.
* monitoring: one ``ProductionMonitoringAgent`` cycle while a production has ``m`` jobs in flight (Waiting):
  the agent must follow a whole campaign well within its polling period. Those ``m`` tasks are submitted by our
  agent through the stack's own JobManager, which gives a third figure.

Every agent runs as a one-off process (``MaxCycles=1``) on the stack's configuration. Meanwhile the stack's own
submission and monitoring agents are stopped (they would take the work, or compete for the two cores) and the
local pilots are paused, so no job runs. A production is made Active without scouts: the stack's validation
agent creates its transformation and tasks and submits the scouts, then the benchmark does what that agent does
when scouts pass (``Validated``, ``activate``). Every job made here is deleted and every production cleaned
(``stop``, ``clean``: the cleaning agent finishes) and DIRAC transformation deleted, whatever happens.

``run.py`` takes n from ``B2_BENCH_PROD_TASKS`` (default 10000) and m from ``B2_BENCH_PROD_INFLIGHT`` (default 30000).
"""

from __future__ import annotations

import json
import re
import tempfile
import time
import uuid
from pathlib import Path

from b2stack import database, layout, pilots, procs, stack
from tests.integration.conftest import Client
from tests.integration.test_production import add, definition

OURS, MONITOR, VALIDATION = "ProductionSubmissionAgent", "ProductionMonitoringAgent", "ProductionValidationAgent"
WFTA = "Transformation/WorkflowTaskAgent"
VANILLA_JM, DIRAC_JM = "bench-jm-dirac", "DIRAC/WorkloadManagementSystem/Service/JobManagerHandler.py"
TASK_AGE = 31
SUBMITTED = "ExternalStatus = 'Submitted' AND ExternalID NOT IN ('', '0')"


def _prodmgr() -> Client:
    return Client("b2prodmgr", "belle_prod")


def _count(transID: int, where: str = SUBMITTED) -> int:
    conn = database.connect("TransformationDB")
    try:
        cur = conn.cursor()
        cur.execute(f"SELECT COUNT(*) FROM TransformationTasks WHERE TransformationID = %s AND {where}", (transID,))
        return cur.fetchone()[0]
    finally:
        conn.close()


def _one_cycle(name: str, component: str, options: list[str], timeout: float) -> float:
    """Run ``component`` as process ``name`` for one cycle with ``-o`` ``options``; the cycle's seconds."""
    argv = ["dirac-agent", component, "-o", "MaxCycles=1"] + [x for o in options for x in ("-o", o)]
    procs.start(name, argv, procs.base_env(["server.cfg"]))
    deadline = time.monotonic() + timeout
    while procs.running_pid(name) and time.monotonic() < deadline:
        time.sleep(0.5)
    if procs.stop(name):
        raise AssertionError(f"{component} did not finish its cycle in {timeout:.0f} s:\n{procs.tail(name)}")
    run = procs.log_file(name).read_text(errors="replace").rsplit("\n==== ", 1)[-1]
    took = re.findall(r"Cycle took ([\d.]+) seconds", run)
    assert took, f"{component} ran no cycle:\n{procs.tail(name, 40)}"
    return float(took[-1])


def _wait_waiting(transID: int, m: int, timeout: float) -> None:
    """Until the ``m`` jobs of ``transID`` (scouts aside) have left the optimizers: Waiting for a pilot."""
    conn = database.connect("JobDB")
    cur, deadline, waiting = conn.cursor(), time.monotonic() + timeout, -1
    while waiting < m and time.monotonic() < deadline:
        cur.execute("SELECT COUNT(*) FROM Jobs WHERE JobGroup = %s AND Status = 'Waiting' AND JobName NOT LIKE "
                    "'%%scout%%'", (f"{transID:08d}",))  # fmt: skip
        waiting = cur.fetchone()[0]
        time.sleep(0 if waiting >= m else 5)
    conn.close()
    assert waiting >= m, f"only {waiting} of {m} jobs Waiting after {timeout:.0f} s"


def _vanilla_jobmanager() -> str:
    """DIRAC's own JobManager (DIPS, bench port) started; the ``-o`` option that sends an agent's jobs to it."""
    port = layout.BENCH_PORTS["VanillaJobManager"]
    procs.start(VANILLA_JM, ["dirac-service", "WorkloadManagement/JobManager", "-o", f"Port={port}", "-o",
                             f"HandlerPath={DIRAC_JM}"], procs.base_env(["server.cfg"]))  # fmt: skip
    procs.wait_port(VANILLA_JM, port)
    return f"/Systems/WorkloadManagement/URLs/JobManager=dips://localhost:{port}/WorkloadManagement/JobManager"


def _restart(*names: str) -> None:
    for comp_name, argv, env, _port in stack.components():
        if comp_name in names:
            stack.start_component(comp_name, argv, env)


# ---- what is submitted: an Active production, a DIRAC transformation ----------------------------------------


def _production(client: Client, n: int, workdir: Path, timeout: float = 900) -> dict:
    """An Active MC production of ``n`` one-event tasks (scouts submitted by the validation agent, not waited
    for): {ProductionID, TransformationID}."""
    proc = add(client, definition(workdir, events=n, events_per_job=1, merge=False), "--start")
    assert proc.returncode == 0, proc.stderr
    prodID = json.loads(proc.stdout)["ProductionID"]
    return client.python(
        f"""
        import time
        from BelleDIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
        pc, deadline = ProductionClient(), time.monotonic() + {timeout}
        prod = pc.getBelleProduction({prodID})["Value"]
        while not prod["ScoutJobs"] and time.monotonic() < deadline:  # transformation and tasks come first
            time.sleep(1)
            prod = pc.getBelleProduction({prodID})["Value"]
        assert prod["ScoutJobs"], "the validation agent made no transformation in time"
        assert pc.setBelleParameters({prodID}, {{"Validated": 1}})["OK"]
        res = pc.setBelleProductionState({prodID}, "activate")
        assert res["OK"], res
        result = {{"ProductionID": {prodID}, "TransformationID": prod["TransformationID"]}}
        """,
        timeout=timeout + 60,
    )


def _transformation(client: Client, n: int) -> int:
    """An Active DIRAC MCSimulation transformation of ``n`` tasks whose body is a ``Job()`` running /bin/true."""
    return client.python(f"""
        from DIRAC.Interfaces.API.Job import Job
        from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient
        job = Job()
        job.setName("bench-wfta")
        job.setType("MCSimulation")
        job.setExecutable("/bin/true")
        tc = TransformationClient()
        res = tc.addTransformation("bench-wfta-{uuid.uuid4().hex[:8]}", "benchmark", "WorkflowTaskAgent benchmark",
                                   "MCSimulation", "Standard", "Automatic", "", body=job.workflow.toXML())
        assert res["OK"], res
        transID = res["Value"]
        assert tc.extendTransformation(transID, {n})["OK"]
        assert tc.setTransformationParameter(transID, "Status", "Active")["OK"]
        result = transID
        """)


def _delete_jobs(client: Client, transIDs: list[int], chunk: int = 5000) -> int:
    """Delete every job of the transformations (JobGroup = transformation ID, scouts included)."""
    return client.python(
        f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        found = JobMonitoringClient().getJobs({{"JobGroup": ["%08d" % t for t in {transIDs}]}})
        assert found["OK"], found
        ids = sorted(int(j) for j in found["Value"])
        for i in range(0, len(ids), {chunk}):
            res = WMSClient().deleteJob(ids[i : i + {chunk}], force=True)
            assert res["OK"], res
        result = len(ids)
        """,
        timeout=1800,
    )


def _clean(client: Client, prods: list[dict], transIDs: list[int]) -> None:
    """Jobs deleted now; productions stopped and handed to the cleaning agent; DIRAC transformations deleted."""
    _delete_jobs(client, [p["TransformationID"] for p in prods] + transIDs)
    for prod in prods:
        for action in ("stop", "clean"):
            client.run(f"belle-prod-{action}", str(prod["ProductionID"]))
    for transID in transIDs:
        client.python(f"""
            from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient
            result = TransformationClient().deleteTransformation({transID})["OK"]
            """)


# ---- the two agents -----------------------------------------------------------------------------------------


def _ours(client: Client, n: int, workdir: Path, made: list[dict], extra: tuple[str, ...] = ()) -> float:
    prod = _production(client, n, workdir)
    made.append(prod)
    options = [f"Capacity={n}", f"MaxPerCycle={n}", f"/Operations/Defaults/Production/Capacity={n}", *extra]
    took = _one_cycle("bench-prod-submit", f"Production/{OURS}", options, timeout=3600)
    done = _count(prod["TransformationID"])
    assert done == n, f"our agent submitted {done} of {n} tasks in one cycle"
    return took


def _workflowtaskagent(client: Client, n: int, made: list[int], extra: tuple[str, ...] = ()) -> float:
    transID = _transformation(client, n)
    made.append(transID)
    time.sleep(TASK_AGE)  # getTasksToSubmit leaves tasks younger than 30 s alone (DIRAC's guard against races)
    options = [f"TasksPerLoop={n}", "BulkSubmission=True", "shifterProxy=ProductionManager", "TransType=MCSimulation",
               "SubmitTasks=yes", "MonitorTasks=", "MonitorFiles=", "CheckReserved=", *extra]  # fmt: skip
    took = _one_cycle("bench-wfta", WFTA, options, timeout=3600)
    done = _count(transID)
    assert done == n, f"WorkflowTaskAgent submitted {done} of {n} tasks in one cycle"
    return took


class _Quiet:
    """The stack's submission and monitoring agents stopped and the pilots paused; all back on exit."""

    def __enter__(self):
        pilots.stop_all()
        procs.stop(OURS)
        procs.stop(MONITOR)
        return self

    def __exit__(self, *exc):
        _restart(OURS, MONITOR)
        pilots.start_all()


def submission(n: int = 10_000, rounds: int = 2) -> dict:
    """Seconds of one cycle submitting ``n`` tasks: ours against DIRAC's WorkflowTaskAgent, alternating.

    Both submit to DIRAC's own JobManager (DIPS): ours refuses the JDL of WorkflowTasks' bulk submission
    (``Parameters.Site`` is a list of lists), and one service for both compares the agents alone.
    """
    client = _prodmgr()
    times: dict[str, list[float]] = {"ours": [], "wfta": []}
    prods: list[dict] = []
    transIDs: list[int] = []
    with _Quiet(), tempfile.TemporaryDirectory() as tmp:
        try:
            to_vanilla = (_vanilla_jobmanager(),)
            for _ in range(rounds):
                times["ours"].append(_ours(client, n, Path(tmp), prods, to_vanilla))
                times["wfta"].append(_workflowtaskagent(client, n, transIDs, to_vanilla))
        finally:
            procs.stop(VANILLA_JM)
            _clean(client, prods, transIDs)
    ours, wfta = min(times["ours"]), min(times["wfta"])
    return {
        f"production_submit_{n}_s_ours": round(ours, 1),
        f"production_submit_{n}_s_workflowtaskagent": round(wfta, 1),
        "production_submit_ratio_ours_over_workflowtaskagent": round(ours / wfta, 3),
    }


def monitoring_cycle(m: int = 30_000) -> dict:
    """Seconds of one ProductionMonitoringAgent cycle following a production with ``m`` Waiting jobs."""
    client = _prodmgr()
    prods: list[dict] = []
    with _Quiet(), tempfile.TemporaryDirectory() as tmp:
        try:
            submit = _ours(client, m, Path(tmp), prods)
            _wait_waiting(prods[0]["TransformationID"], m, timeout=3600)
            took = _one_cycle("bench-prod-monitor", f"Production/{MONITOR}", [], timeout=3600)
            followed = _count(prods[0]["TransformationID"], "ExternalStatus = 'Waiting'")
            assert followed == m, f"the monitoring cycle recorded {followed} of {m} tasks Waiting"
        finally:
            _clean(client, prods, [])
    return {f"production_submit_{m}_s_ours": round(submit, 1), f"production_monitoring_cycle_s_{m}_in_flight": took}
