"""gbasf2 against the live stack: a project of real jobs running the software area's basf2 on input files
from Rucio, outputs named and registered in the project's datablock; and every refusal before submission.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlparse

import pytest

from tests.integration.conftest import register_inputs

RELEASE = "light-2511-gacrux"
STEERING = """\
import basf2
with open("weights.txt") as fh:
    basf2.B2INFO("weights", fh.read().strip())
path = basf2.create_path()
path.add_module("RootInput")
path.add_module("VariablesToNtuple", fileName="ntuple.udst.root")
basf2.process(path)
"""
FAILING = "import basf2\nbasf2.B2FATAL('this steering file always fails')\n"


@pytest.fixture(scope="module")
def inputs(analyst):
    """A datablock of 10 input files of b2analyst (file i holds i+1 events), registered the DIRAC way."""
    token = uuid.uuid4().hex[:8]
    block = f"/belle/user/b2analyst/gbin-{token}/sub00"
    register_inputs(
        analyst, block, {f"in{i}.root": "".join(f"evt-{token}-{i}-{e}\n" for e in range(i + 1)) for i in range(10)}
    )
    return block


@pytest.fixture()
def workdir(tmp_path):
    (tmp_path / "steering.py").write_text(STEERING)
    (tmp_path / "real-weights.txt").write_text("w=1\n")
    os.symlink(tmp_path / "real-weights.txt", tmp_path / "weights.txt")  # shipped dereferenced, same name
    return tmp_path


def _project() -> str:
    return f"gb{uuid.uuid4().hex[:12]}"


def _gbasf2(client, cwd, *args):
    return client.run("gbasf2", "steering.py", "-s", RELEASE, *args, cwd=cwd, timeout=180)


def _jobs(client, project: str) -> dict:
    return client.python(f"""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
        mon = JobMonitoringClient()
        ids = mon.getJobs({{"Owner": "b2analyst", "JobGroup": "{project}"}})["Value"]
        result = mon.getJobsSummary([int(i) for i in ids])["Value"] if ids else {{}}
        """)


def test_project_runs_with_scouts_and_registers_named_outputs(analyst, inputs, workdir, discard):
    project = _project()
    proc = _gbasf2(analyst, workdir, "-p", project, "-i", inputs.rsplit("/", 1)[0], "-f", "weights.txt", "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "** Number of jobs: 10" in proc.stdout and "waiting for 2 scout jobs" in proc.stdout, proc.stdout
    jobs = _jobs(analyst, project)
    discard.extend(int(j) for j in jobs)
    primaries = sorted(int(j) for j, s in jobs.items() if not s["JobName"].endswith("-scout"))
    assert len(primaries) == 10 and len(jobs) == 12
    for job in primaries:
        final = analyst.wait_status(job, {"Done", "Failed", "Killed"}, timeout=300)
        assert (final["Status"], final["ApplicationStatus"]) == ("Done", "Done"), (job, final)
    dataset = f"/belle/user/b2analyst/{project}/sub00"
    listing = analyst.python(f"""
        from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
        result = FileCatalog().listDirectory("{dataset}")["Value"]["Successful"]["{dataset}"]["Files"]
        """)
    names = sorted(lfn.rsplit("/", 1)[1] for lfn in listing)
    # each job's output is named by its index in the project, its job ID and its reschedule count
    expected = sorted(f"ntuple_{i:05d}_job{job}_00.udst.root" for i, job in enumerate(primaries))
    assert names == expected, names
    storage = analyst.python(f"""
        from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
        result = FileCatalog().getReplicas({sorted(listing)!r})["Value"]["Successful"]
        """)
    events = []
    for replicas in storage.values():
        (pfn,) = replicas.values()
        with open(urlparse(pfn).path) as fh:
            lines = fh.read().splitlines()
        assert lines[0].startswith(f"# basf2 {RELEASE} inputs=in"), lines[0]
        events.append(len(lines) - 1)
    assert sorted(events) == list(range(1, 11)), "every input's events, once, in its own output"


def test_failing_steering_fails_its_scouts_and_holds_the_project(analyst, inputs, workdir, discard):
    (workdir / "steering.py").write_text(FAILING)
    project = _project()
    proc = _gbasf2(analyst, workdir, "-p", project, "-i", inputs, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    jobs = _jobs(analyst, project)
    discard.extend(int(j) for j in jobs)
    scouts = [int(j) for j, s in jobs.items() if s["JobName"].endswith("-scout")]
    primary = next(int(j) for j, s in jobs.items() if not s["JobName"].endswith("-scout"))
    for scout in scouts:
        final = analyst.wait_status(scout, {"Done", "Failed"}, timeout=300)
        assert final["Status"] == "Failed" and final["ApplicationStatus"].startswith("basf2 failed"), final
    final = analyst.wait_status(primary, {"Failed", "Done", "Running"}, timeout=120)
    assert final["Status"] == "Failed" and "scout" in final["MinorStatus"].lower(), final


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["-p", "has.dot"], 2, "may only contain"),
        (["-p", "x" * 33], 2, "too long"),
        (["-p", "{p}", "-s", "release-00-00-00"], 2, "gb2_check_release"),
        (["-p", "{p}", "-i", "/belle/user/b2analyst/no-such-dataset"], 2, "input not found"),
        (["-p", "{p}", "-i", "/etc/passwd"], 2, "not below /belle/"),
        (["-p", "{p}", "-f", "missing.txt"], 2, "not found: missing.txt"),
        (["-p", "{p}", "--priority", "11"], 2, "between 0 and 10"),
        (["-p", "{p}", "--input_grouping", "s", "i", "t", "e"], 2, "only 'size'"),
        (["-p", "{p}", "--dryrun"], 0, "Dry run: nothing submitted"),
        (["-p", "{p}"], 4, "Nothing submitted"),  # no terminal to confirm on, no --force
    ],
)
def test_refusals_submit_nothing(analyst, inputs, workdir, args, code, message):
    project = _project()
    args = [a.replace("{p}", project) for a in args]
    if "-i" not in args:
        args += ["-i", inputs]
    proc = analyst.run("gbasf2", "steering.py", *([] if "-s" in args else ["-s", RELEASE]), *args, cwd=workdir)
    assert proc.returncode == code and message in proc.stdout + proc.stderr, (proc.stdout, proc.stderr)
    assert _jobs(analyst, project) == {}


def test_missing_steering_and_no_proxy(analyst, inputs, tmp_path):
    proc = analyst.run("gbasf2", "nothere.py", "-p", _project(), "-s", RELEASE, "-i", inputs, cwd=tmp_path)
    assert proc.returncode == 2 and "steering file not found" in proc.stderr
    (tmp_path / "steering.py").write_text(STEERING)
    env = dict(analyst.env, X509_USER_PROXY=str(tmp_path / "no-proxy"))
    import subprocess

    proc = subprocess.run(["gbasf2", "steering.py", "-p", _project(), "-s", RELEASE, "-i", inputs, "--force"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 5 and "gb2_proxy_init" in proc.stderr, proc.stderr


def test_a_project_name_is_never_reused(analyst, inputs, workdir, discard):
    project = _project()
    first = _gbasf2(analyst, workdir, "-p", project, "-i", f"{inputs}/in0.root", "--force", "--noscout")
    assert first.returncode == 0, first.stderr
    discard.extend(int(j) for j in _jobs(analyst, project))
    again = _gbasf2(analyst, workdir, "-p", project, "-i", f"{inputs}/in1.root", "--force", "--noscout")
    assert again.returncode == 4 and "never reused" in again.stderr and "--add_to_project" in again.stderr
    added = _gbasf2(analyst, workdir, "-p", project, "-i", f"{inputs}/in1.root", "--force", "--noscout",
                    "--add_to_project")  # fmt: skip
    assert added.returncode == 0, added.stderr
    jobs = _jobs(analyst, project)
    discard.extend(int(j) for j in jobs)
    assert len(jobs) == 2
