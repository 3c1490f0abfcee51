"""The foundation, end to end: extensions loaded, jobs really run, authorization holds, bad JDL stays out."""

from __future__ import annotations

import uuid

import pytest

from b2stack import layout

HELLO_JDL = """[
  Executable = "/bin/sh";
  Arguments = "run.sh {token}";
  JobName = "hello-{token}";
  JobType = "User";
  StdOutput = "std.out";
  StdError = "std.err";
  InputSandbox = {{"run.sh", "input.txt"}};
  OutputSandbox = {{"std.out", "std.err"}};
]"""
RUN_SH = 'echo "$1"\ncat input.txt\ncase "$1" in fail*) exit 3;; esac\n'


def submit(client, jdl: str, tmp_path) -> tuple[int | None, str]:
    (tmp_path / "job.jdl").write_text(jdl)
    (tmp_path / "run.sh").write_text(RUN_SH)
    proc = client.run("dirac-wms-job-submit", "job.jdl", cwd=tmp_path)
    out = proc.stdout + proc.stderr
    for line in proc.stdout.splitlines():
        if line.startswith("JobID = "):
            return int(line.split("=")[1]), out
    return None, out


def jobs_in_db(jobdb) -> int:
    cur = jobdb.cursor()
    cur.execute("SELECT COUNT(*) FROM Jobs")
    return cur.fetchone()[0]


def test_extensions_are_registered(analyst):
    """DIRAC sees both extensions, BelleRawDIRAC above BelleDIRAC above DIRAC."""
    result = analyst.python("""
        from DIRAC.Core.Utilities.Extensions import extensionsByPriority
        result = extensionsByPriority()
        """)
    assert result[:3] == ["BelleRawDIRAC", "BelleDIRAC", "DIRAC"] or result[:2] == ["BelleDIRAC", "DIRAC"]
    assert "BelleDIRAC" in result and result.index("BelleDIRAC") < result.index("DIRAC")


def test_belle_jobmanager_answers(analyst, jobdb, tmp_path):
    """BelleDIRAC's JobManager, not DIRAC's, handles submission: it refuses a user-set JobPath."""
    before = jobs_in_db(jobdb)
    jdl = HELLO_JDL.format(token="jobpath").replace("JobType", 'JobPath = "JobScheduling";\n  JobType')
    (tmp_path / "input.txt").write_text("x\n")
    job_id, out = submit(analyst, jdl, tmp_path)
    assert job_id is None, out
    assert "JobPath" in out and "reserved" in out, out
    assert jobs_in_db(jobdb) == before


def test_job_runs_to_done_and_output_comes_back(analyst, tmp_path):
    token = uuid.uuid4().hex
    (tmp_path / "input.txt").write_text(f"sandbox-{token}\n")
    job_id, out = submit(analyst, HELLO_JDL.format(token=token), tmp_path)
    assert job_id, out
    state = analyst.wait_status(job_id, {"Done", "Failed"})
    assert state["Status"] == "Done", state
    # the pilot that ran it kept its hands off the clients' configuration
    assert "Servers" in layout.path("etc", "dirac.cfg").read_text()
    outdir = tmp_path / "out"
    outdir.mkdir()
    analyst.run("dirac-wms-job-get-output", str(job_id), cwd=outdir, check=True)
    stdout = (outdir / str(job_id) / "std.out").read_text()
    assert token in stdout and f"sandbox-{token}" in stdout
    # Job parameters travel through JobStateUpdate into the OpenSearch-compatible store and back.
    params = analyst.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        result = JobMonitoringClient().getJobParameters({job_id})
        """)
    assert params["OK"], params
    values = params["Value"].get(str(job_id)) or params["Value"].get(job_id)
    assert values["GridCE"] in {site.ce_name for site in layout.SITES}, values
    assert int(values["JobWrapperPID"]) > 0


def test_failing_payload_ends_failed(analyst, tmp_path):
    """A payload that exits non-zero really fails: later features (scouts, resubmission) rely on that."""
    (tmp_path / "input.txt").write_text("x\n")
    job_id, out = submit(analyst, HELLO_JDL.format(token="fail"), tmp_path)
    assert job_id, out
    state = analyst.wait_status(job_id, {"Done", "Failed"})
    assert state["Status"] == "Failed", state
    assert state["MinorStatus"] == "Application Finished With Errors", state


def test_malformed_jdl_is_refused_and_leaves_nothing(analyst, jobdb):
    before = jobs_in_db(jobdb)
    result = analyst.python("""
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        result = WMSClient().submitJob('[ Executable = "/bin/echo"; Arguments = "unterminated ; ]')
        """)
    assert result["OK"] is False
    assert "JDL" in result["Message"], result["Message"]
    assert jobs_in_db(jobdb) == before


@pytest.fixture()
def other_users_job(analyst2, tmp_path):
    (tmp_path / "input.txt").write_text("x\n")
    jdl = HELLO_JDL.format(token="other").replace('"/bin/sh"', '"/bin/sleep"').replace('"run.sh other"', '"600"')
    job_id, out = submit(analyst2, jdl, tmp_path)
    assert job_id, out
    return job_id


def test_analyst_cannot_kill_someone_elses_job(analyst, operator, other_users_job):
    kill = f"""
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        result = WMSClient().killJob({other_users_job})
        """
    refused = analyst.python(kill)
    assert refused["OK"] is False, refused
    assert refused["NonauthorizedJobIDs"] == [other_users_job], refused
    allowed = operator.python(kill)
    assert allowed["OK"] is True, allowed
    # Killed at once; a running payload is then stopped and its JobWrapper reports Failed "Received Kill signal"
    state = operator.wait_status(other_users_job, {"Killed", "Failed"}, timeout=60)
    assert state["Status"] == "Killed" or state["MinorStatus"] == "Received Kill signal", state


@pytest.mark.parametrize(
    "call",
    [
        "from DIRAC.WorkloadManagementSystem.Client.MatcherClient import MatcherClient\n"
        "result = MatcherClient().getActiveTaskQueues()",
        "from DIRAC.WorkloadManagementSystem.Client.PilotManagerClient import PilotManagerClient\n"
        "result = PilotManagerClient().getPilotSummary()",
    ],
    ids=["Matcher.getActiveTaskQueues(JobAdministrator)", "PilotManager.getPilotSummary(Operator)"],
)
def test_admin_calls_refuse_analyst_and_production_manager(analyst, prodmgr, operator, call):
    """Calls that need admin properties: refused for the analyst and the production manager, allowed for admins."""
    for client in (analyst, prodmgr):
        refused = client.python(call)
        assert refused["OK"] is False and "unauthorized" in refused["Message"].lower(), refused
    assert operator.python(call)["OK"] is True
