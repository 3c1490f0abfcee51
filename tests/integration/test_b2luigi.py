"""b2luigi 1.3.0, unmodified, drives gbasf2 projects on the live stack through our setup script and gb2 tools.

b2luigi lives in a venv of its own (``.stack/venv-b2luigi``, made once and reused), as on an analyst's machine,
where it is installed apart from gbasf2: everything it runs on the grid side comes from the environment that
``source <setup script> -g <group>`` gives in an otherwise empty shell. Each run is ``b2luigi_driver.py`` (an
analyst's script with one gbasf2 task) in a subprocess of that venv's python, with ``HOME`` a fresh directory.

What is proved, with real jobs on the local pilots:
- a project is submitted, watched until its jobs are Done, its logs fetched and its outputs downloaded into
  the task's output directory; a b2luigi run that dies while the project runs is picked up by the next one
  without a second submission, and a run after success finds the task complete and touches nothing;
- a steering file that always fails ends the task failed, with the jobs' logs in ``gbasf2_logs/<project>``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from b2stack import layout, setup_script
from tests.integration.conftest import register_inputs

B2LUIGI = "b2luigi[gbasf2]==1.3.0"
# luigi needs tornado<7; PyPI's 5.1.1 cannot be imported on Python 3.11, DIRAC's fork (same version) can
TORNADO = "tornado==5.1.1+dirac.1"
RELEASE = "light-2511-gacrux"
GROUP = "belle_user"
USER = "b2analyst"
DRIVER = Path(__file__).with_name("b2luigi_driver.py")
STEERING = """\
import basf2
path = basf2.create_path()
path.add_module("RootInput")
path.add_module("VariablesToNtuple", fileName="ntuple.root")
basf2.process(path)
"""
FAILING = "import basf2\nbasf2.B2FATAL('this steering file always fails')\n"


@pytest.fixture(scope="session")
def b2luigi_python() -> Path:
    """The python of b2luigi's venv, installed on first use (about a minute) and reused while it matches."""
    venv = layout.path("venv-b2luigi")
    python, stamp = venv / "bin" / "python", venv / ".b2-installed"
    wanted = f"{B2LUIGI} {TORNADO}\n"
    if stamp.exists() and stamp.read_text() == wanted and python.exists():
        return python
    wheels = Path(os.environ.get("B2_WHEELS", layout.REPO.parent / "shared" / "wheels"))
    if not list(wheels.glob("tornado-5.1.1+dirac.1-*.whl")):
        pytest.fail(f"DIRAC's tornado wheel is not in {wheels} (set B2_WHEELS; see b2stack/install.sh)")
    t0 = time.monotonic()
    for argv in ([str(layout.VENV / "bin" / "python"), "-m", "venv", "--clear", str(venv)],
                 [str(python), "-m", "pip", "install", "-q", "--find-links", str(wheels), TORNADO, B2LUIGI]):  # fmt: skip
        proc = subprocess.run(argv, capture_output=True, text=True)
        if proc.returncode:
            pytest.fail(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    stamp.write_text(wanted)
    print(f"\n[b2luigi] installed {B2LUIGI} into {venv} in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return python


@pytest.fixture(scope="module")
def setup_path(live_stack) -> Path:
    """b2analyst's gbasf2 setup script (written by ``make up``; written again here for a stack started earlier)."""
    setup_script.write()
    return setup_script.script(USER)


@pytest.fixture(scope="module")
def inputs(analyst) -> str:
    """A dataset of two small input files of b2analyst, registered the DIRAC way; returns its datablock."""
    token = uuid.uuid4().hex[:8]
    block = f"/belle/user/{USER}/b2lin-{token}/sub00"
    register_inputs(
        analyst, block, {f"in{i}.root": "".join(f"evt-{token}-{i}-{e}\n" for e in range(3)) for i in range(2)}
    )
    return block


class Run:
    """One b2luigi run: its combined output, its summary line and its exit status."""

    def __init__(self, log: Path, returncode: int):
        self.output = log.read_text(errors="replace")
        self.returncode = returncode
        lines = [ln for ln in self.output.splitlines() if ln.startswith("@@B2LUIGI@@")]
        self.summary = json.loads(lines[-1][len("@@B2LUIGI@@") :]) if lines else None

    def __repr__(self) -> str:
        return f"b2luigi exited {self.returncode}:\n{self.output[-6000:]}"


def b2luigi(python: Path, workdir: Path, config: dict, name: str, timeout: float = 300, kill_on: str = "") -> Run:
    """Run the driver in ``workdir`` with only ``HOME`` (and a basic PATH) set; SIGKILL it, with everything it
    started, as soon as its output shows ``kill_on``: a b2luigi that dies without cleaning up."""
    cfg = workdir / f"{name}.json"
    cfg.write_text(json.dumps(config))
    log = workdir / f"{name}.log"
    env = {"HOME": str(workdir / "home"), "PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"}
    (workdir / "home").mkdir(exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(python), str(DRIVER), str(cfg)], cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + timeout
        try:
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    raise AssertionError(f"b2luigi still running after {timeout} s:\n{log.read_text()[-6000:]}")
                if kill_on and kill_on in log.read_text(errors="replace"):
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    break
                time.sleep(1)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return Run(log, proc.returncode)


def _config(workdir: Path, setup_path: Path, steering: str, dataset: str) -> dict:
    (workdir / "steering.py").write_text(steering)
    return {
        "token": uuid.uuid4().hex[:12],
        "setup_path": str(setup_path),
        "steering": str(workdir / "steering.py"),
        "input_dataset": dataset,
        "release": RELEASE,
        "group": GROUP,
        "lpn_path": f"/belle/user/{USER}",
        "result_dir": str(workdir / "results"),
        "log_dir": str(workdir / "logs"),
        "task_file_dir": str(workdir / "task_files"),
        "status_max_age": 3,
    }


def jobs_of(jobdb, project: str) -> dict[int, tuple[str, str]]:
    """``{JobID: (Status, ApplicationStatus)}`` of the project's jobs, straight from JobDB."""
    jobdb.commit()  # a fresh snapshot: the connection's last transaction would hide newer rows
    cur = jobdb.cursor()
    cur.execute("SELECT JobID, Status, ApplicationStatus FROM Jobs WHERE JobGroup = %s AND Owner = %s", (project, USER))
    return {int(r[0]): (r[1], r[2]) for r in cur.fetchall()}


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in directory.iterdir()}


def test_project_runs_downloads_and_is_reattached(b2luigi_python, setup_path, inputs, jobdb, discard, tmp_path):
    config = _config(tmp_path, setup_path, STEERING, inputs.rsplit("/", 1)[0])
    t0 = time.monotonic()
    first = b2luigi(b2luigi_python, tmp_path, config, "first", kill_on='Jobs in gbasf2 project "')
    assert first.summary is None and "Submitting gbasf2 project" in first.output, first
    project = first.output.split("Submitting gbasf2 project: ", 1)[1].split()[0]
    submitted = jobs_of(jobdb, project)
    discard.extend(submitted)
    assert len(submitted) == 2, submitted

    second = b2luigi(b2luigi_python, tmp_path, config, "second")
    assert second.summary == {"project": project, "complete": True, "processes": [project]}, second
    assert f"Project with name {project} already exists on grid, therefore not submitting" in second.output, second
    assert jobs_of(jobdb, project) == {job: ("Done", "Done") for job in submitted}, "no job was added"
    out = next((tmp_path / "results").rglob("ntuple.root"))
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"ntuple_{i:05d}_job{job}_00.root" for i, job in enumerate(sorted(submitted))), names
    for f in out.iterdir():
        lines = f.read_text().splitlines()
        assert lines[0].startswith(f"# basf2 {RELEASE} inputs=in") and len(lines) == 4, lines
    logs = next((tmp_path / "logs").rglob(f"gbasf2_logs/{project}"))
    assert sorted(int(p.name) for p in logs.iterdir()) == sorted(submitted)
    print(f"\n[b2luigi] project {project}: submitted, watched and downloaded in {time.monotonic() - t0:.0f} s")

    before = _snapshot(out)
    third = b2luigi(b2luigi_python, tmp_path, config, "third", timeout=120)
    assert third.summary == {"project": project, "complete": True, "processes": []}, third
    assert "Submitting gbasf2 project" not in third.output and "Downloading dataset" not in third.output, third
    assert jobs_of(jobdb, project).keys() == submitted.keys() and _snapshot(out) == before


def test_failing_steering_fails_the_task_with_its_logs(b2luigi_python, setup_path, inputs, jobdb, discard, tmp_path):
    config = _config(tmp_path, setup_path, FAILING, f"{inputs}/in0.root")
    run = b2luigi(b2luigi_python, tmp_path, config, "failing")
    assert run.summary and run.summary["complete"] is False, run
    project = run.summary["project"]
    jobs = jobs_of(jobdb, project)
    discard.extend(jobs)
    assert [status for status, _app in jobs.values()] == ["Failed"], jobs
    assert "1 failed jobs" in run.output, run
    assert not [p for p in (tmp_path / "results").rglob("*") if p.is_file()], "nothing downloaded"
    logs = next((tmp_path / "logs").rglob(f"gbasf2_logs/{project}"))
    (job,) = jobs
    assert (logs / str(job) / "job.info").is_file(), sorted(logs.rglob("*"))
    assert any("this steering file always fails" in f.read_text(errors="replace") for f in (logs / str(job)).iterdir())
