"""The gb2 job tools and the job-information API against the live stack, with real jobs and proxies.

One project with a successful job (Done/Done: the payload reports ApplicationStatus Done, as basf2 jobs do)
and a failing one is submitted once per module; a second project holds a long job for kill/delete and the
authorization checks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest

JDL = """[
  Executable = "/bin/sh";
  Arguments = "run.sh {mode}";
  JobName = "{project}-{mode}";
  JobGroup = "{project}";
  JobType = "User";
  StdOutput = "std.out";
  StdError = "std.err";
  InputSandbox = {{"run.sh"}};
  OutputSandbox = {{"std.out", "std.err"}};
]"""
# ok: report success the way basf2 jobs do; fail: exit non-zero; sleep: stay running until killed.
RUN_SH = """echo "mode $1"
case "$1" in
  fail) exit 3;;
  sleep) sleep 300;;
esac
python3 - <<'PY'
import os, DIRAC
DIRAC.initialize()
from DIRAC.WorkloadManagementSystem.Client.JobStateUpdateClient import JobStateUpdateClient
print(JobStateUpdateClient().setJobApplicationStatus(int(os.environ["JOBID"]), "Done", "test")["OK"])
PY
"""
TOOLS = ["gb2_job_status", "gb2_project_summary", "gb2_job_reschedule", "gb2_job_kill", "gb2_job_delete"]
TOOLS += ["gb2_job_output"]
B2LUIGI = """
import json, sys
from BelleDIRAC.Client.helpers.common import initializeCS
initializeCS()
from BelleDIRAC.gbasf2.lib.auth import userCreds
from BelleDIRAC.gbasf2.lib.job.information_collector import InformationCollector
@userCreds
def getJobs(project, user, group):
    ic = InformationCollector()
    result = ic.getAllJobsInProjects([project], date="1970-01-01", login=[user, group], statuses={"Status": ["all"]})
    items = result["Value"][project]
    summary = ic.getJobSummary(items)
    if not summary["OK"]:
        sys.exit(3)
    print(json.dumps(summary["Value"]))
getJobs(sys.argv[1], "b2analyst", "belle_user")
"""


def submit(client, project: str, mode: str, workdir) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "job.jdl").write_text(JDL.format(project=project, mode=mode))
    (workdir / "run.sh").write_text(RUN_SH)
    proc = client.run("dirac-wms-job-submit", "job.jdl", cwd=workdir, check=True)
    return int(proc.stdout.split("JobID =")[1].split()[0])


def tool(client, *argv, cwd=None):
    return client.run(*argv, cwd=cwd)


def delete_jobs(client, jobs):
    client.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
        result = WMSClient().deleteJob({sorted(jobs)})["OK"]
        """)


def state(client, job_id: int) -> dict:
    return client.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        result = JobMonitoringClient().getJobsStates([{job_id}])["Value"][{job_id}]
        """)


@pytest.fixture(scope="module")
def project(analyst, tmp_path_factory):
    """A finished project: one Done/Done job and one Failed job; plus a project with a running job."""
    base = tmp_path_factory.mktemp("gb2jobs")
    name, other = "jt" + uuid.uuid4().hex[:12], "jk" + uuid.uuid4().hex[:12]
    jobs = {mode: submit(analyst, name, mode, base / mode) for mode in ("ok", "fail")}
    jobs["sleep"] = submit(analyst, other, "sleep", base / "sleep")
    try:
        assert analyst.wait_status(jobs["ok"], {"Done", "Failed"})["Status"] == "Done"
        assert analyst.wait_status(jobs["fail"], {"Done", "Failed"})["Status"] == "Failed"
        yield {"name": name, "other": other, **jobs}
    finally:
        delete_jobs(analyst, jobs.values())


def test_job_status_text_format(analyst, project):
    proc = tool(analyst, "gb2_job_status", "-p", project["name"])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "2 jobs are selected." and lines[1] == ""
    assert lines[2].split() == ["Job", "id", "Status", "MinorStatus", "ApplicationStatus", "Site"]
    assert set(lines[3]) == {"="}
    rows = {int(line.split()[0]): line.split() for line in lines[4:6]}
    assert rows[project["ok"]][1] == "Done" and rows[project["ok"]][-2:-1] == ["Done"]
    assert rows[project["fail"]][1] == "Failed"
    assert lines[6:] == [
        "",
        "--- Summary of Selected Jobs ---",
        "Completed:0  Deleted:0  Done:1  Failed:1  Killed:0  Running:0  Stalled:0  Waiting:0",
    ]
    failed = tool(analyst, "gb2_job_status", "-p", project["name"], "--status", "Failed")
    assert failed.stdout.startswith("1 jobs are selected.") and str(project["fail"]) in failed.stdout


def test_job_status_json_and_by_id(analyst, project):
    proc = tool(analyst, "gb2_job_status", "-j", f"{project['ok']},{project['fail']}", "--json")
    data = json.loads(proc.stdout)
    assert set(data) == {str(project["ok"]), str(project["fail"])}
    ok = data[str(project["ok"])]
    assert (ok["Status"], ok["ApplicationStatus"], ok["JobGroup"], ok["Owner"]) == (
        "Done",
        "Done",
        project["name"],
        "b2analyst",
    )
    assert len(ok["SubmissionTime"]) == 19 and "T" not in ok["SubmissionTime"]


def test_unknown_project_selects_nothing(analyst):
    proc = tool(analyst, "gb2_job_status", "-p", "jtnosuch" + uuid.uuid4().hex[:8])
    assert proc.stdout == "0 jobs are selected.\n" and proc.returncode == 3


def test_project_summary(analyst, project):
    proc = tool(analyst, "gb2_project_summary", "-p", project["name"])
    assert proc.returncode == 0, proc.stderr
    header, rule, row = proc.stdout.splitlines()
    assert header.split() == ["Project", "Owner", "Status", "Done", "Fail", "Run", "Wait", "Submission"] + [
        "Time(UTC)",
        "Duration",
    ]
    assert set(rule) == {"="}
    assert row.split()[:7] == [project["name"], "b2analyst", "Failed", "1", "1", "0", "0"]
    data = json.loads(tool(analyst, "gb2_project_summary", "--json").stdout)
    mine = [r for r in data if r["Project"] == project["name"]]
    assert mine and mine[0]["Done"] == 1 and mine[0]["Fail"] == 1 and mine[0]["Status"] == "Failed"


def test_b2luigi_job_status_script_stdout_is_json(analyst, project):
    proc = analyst.run(sys.executable, "-c", B2LUIGI, project["name"])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # nothing but the JSON on stdout
    assert set(data) == {str(project["ok"]), str(project["fail"])}
    assert {v["Status"] for v in data.values()} == {"Done", "Failed"}
    missing = analyst.run(sys.executable, "-c", B2LUIGI, "jtnosuch" + uuid.uuid4().hex[:8])
    assert missing.returncode == 3 and missing.stdout == ""


def test_collector_contract(analyst, project):
    result = analyst.python(textwrap.dedent(f"""
        from BelleDIRAC.gbasf2.lib.job.information_collector import InformationCollector
        ic = InformationCollector()
        jobs = ic.getAllJobsInProjects(["{project["name"]}", "jtempty"], login=["b2analyst", "belle_user"],
                                       statuses={{"Status": ["Failed"]}})
        result = [jobs, ic.getJobSummary([])["OK"], ic.getJobSummary(jobs["Value"]["jtempty"])["OK"]]
        """))
    jobs, empty_ok, empty_project_ok = result
    assert jobs["OK"] and jobs["Value"] == {project["name"]: [project["fail"]], "jtempty": []}
    assert empty_ok is False and empty_project_ok is False


def test_job_output_layout(analyst, project, tmp_path):
    proc = tool(analyst, "gb2_job_output", "-p", project["name"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 jobs are selected." in proc.stdout
    for job_id in (project["ok"], project["fail"]):
        folder = tmp_path / "log" / project["name"] / str(job_id)
        assert f'Downloaded: "Job output sandbox retrieved in {folder}"' in proc.stdout
        assert (folder / "std.out").read_text().startswith("mode ")
        assert f"JobID: {job_id}" in (folder / "job.info").read_text()
    proc = tool(analyst, "gb2_job_output", "-j", str(project["ok"]), cwd=tmp_path)
    assert proc.returncode == 0 and (tmp_path / "log" / str(project["ok"]) / "std.out").is_file()
    # no job, no sandbox: the project folder is still there for b2luigi to move
    proc = tool(analyst, "gb2_job_output", "-p", "jtempty" + uuid.uuid4().hex[:6], cwd=tmp_path)
    assert proc.returncode == 0
    assert [p.name for p in (tmp_path / "log").iterdir() if p.name.startswith("jtempty")]


def test_other_user_is_refused_and_jobs_stay(analyst, analyst2, project):
    sleeper = project["sleep"]
    before = state(analyst, sleeper)["Status"]
    for argv in (
        ["gb2_job_kill", "-j", str(sleeper), "--force"],
        ["gb2_job_delete", "--user", "b2analyst", "-p", project["other"], "--force"],
        ["gb2_job_reschedule", "--jobid", str(project["fail"]), "--force"],
    ):
        proc = tool(analyst2, *argv)
        assert proc.returncode == 4, (argv, proc.stdout, proc.stderr)
        assert "Refused by DIRAC" in proc.stdout and "not yours" in proc.stdout, proc.stdout
    assert state(analyst, project["fail"])["Status"] == "Failed"
    assert state(analyst, sleeper)["Status"] in {before, "Matched", "Running"}
    # analyst2's own selection of the project is empty: projects are per user
    assert tool(analyst2, "gb2_job_kill", "-p", project["other"], "--force").returncode == 3


def test_reschedule_failed_job_not_done_job(analyst, project):
    proc = tool(analyst, "gb2_job_reschedule", "--jobid", str(project["fail"]), str(project["ok"]), "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Skipped job {project['ok']}: finished successfully" in proc.stdout
    assert state(analyst, project["fail"])["Status"] not in {"Failed", "Done"}  # left Failed at once
    assert state(analyst, project["ok"])["Status"] == "Done"


def test_kill_then_delete(analyst, project):
    sleeper = project["sleep"]
    proc = tool(analyst, "gb2_job_kill", "-p", project["other"], "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert analyst.wait_status(sleeper, {"Killed", "Failed"}, timeout=30)["Status"] in {"Killed", "Failed"}
    # the payload itself stops within a watchdog period, freeing the site's slot; DIRAC's JobWrapper then
    # reports the job it stopped as Failed "Received Kill signal"
    stopped = analyst.wait_status(sleeper, {"Failed"}, timeout=90)
    assert stopped["MinorStatus"] == "Received Kill signal", stopped
    proc = tool(analyst, "gb2_job_delete", "-p", project["other"], "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert tool(analyst, "gb2_job_status", "-p", project["other"]).stdout == "0 jobs are selected.\n"
    gone = analyst.run(sys.executable, "-c", B2LUIGI, project["other"])
    assert gone.returncode == 3, gone.stdout  # deleted jobs vanish from the API too


def test_without_proxy_every_tool_says_gb2_proxy_init(analyst, tmp_path):
    env = dict(analyst.env, X509_USER_PROXY=str(tmp_path / "missing.pem"))
    for name in TOOLS:
        proc = subprocess.run(
            [name, "-p", "x", "-f"] if "reschedule" in name or "kill" in name else [name, "-p", "x"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert proc.returncode == 5, (name, proc.stdout, proc.stderr)
        assert "gb2_proxy_init" in proc.stderr


@pytest.mark.parametrize("name", TOOLS)
def test_help_and_usage(analyst, name):
    for flag in ("--help", "--usage"):
        proc = analyst.run(name, flag)
        assert proc.returncode == 0 and "-p" in proc.stdout, (flag, proc.stdout, proc.stderr)
    assert "Examples" in analyst.run(name, "--usage").stdout


def test_job_output_uses_real_cwd_not_pwd(analyst, project, tmp_path):
    env = dict(analyst.env, PWD="/nonexistent")
    proc = subprocess.run(
        ["gb2_job_output", "-j", str(project["ok"])], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and (tmp_path / "log" / str(project["ok"])).is_dir()
    assert not os.path.exists("/nonexistent")
