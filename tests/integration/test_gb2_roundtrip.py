"""An analysis from proxy to downloaded outputs, with the gb2 tools only, as an analyst types it.

gb2_proxy_init → gbasf2 (scouts first) → gb2_job_status until the project has run → one job failed for a
transient reason, which gb2_diagnostic explains → gb2_job_reschedule → it succeeds with ``_01`` outputs → gb2_project_summary → gb2_ds_get
downloads every output once, checksummed → two local files lost → gb2_ds_get again fetches only those.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
import zlib

from tests.integration.conftest import register_inputs

STEERING = """\
import os
import basf2
if os.path.exists("in3.root") and os.path.exists({marker!r}):
    os.remove({marker!r})
    basf2.B2FATAL("lost the connection to the conditions database")
path = basf2.create_path()
path.add_module("RootInput")
path.add_module("VariablesToNtuple", fileName="ntuple.root")
basf2.process(path)
"""


def _tool(env, cwd, *argv, stdin=None, timeout=300):
    return subprocess.run(list(argv), env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout)


def _statuses(env, cwd, project) -> dict:
    out = _tool(env, cwd, "gb2_job_status", "-p", project, "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


def _wait_final(env, cwd, project, n, timeout=420) -> dict:
    """``{jobID: record}`` of the project once it has ``n`` jobs, all in a final state."""
    deadline, jobs = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        jobs = _statuses(env, cwd, project)
        if len(jobs) >= n and all(r["Status"] in ("Done", "Failed", "Killed") for r in jobs.values()):
            return jobs
        time.sleep(5)
    raise AssertionError(f"project {project} not finished after {timeout} s: {jobs}")


def test_analysis_round_trip(analyst, own_proxy, tmp_path, discard):
    env, proxy = own_proxy
    token = uuid.uuid4().hex[:8]
    project = f"rt{token}"
    block = f"/belle/user/b2analyst/rtin-{token}/sub00"
    register_inputs(analyst, block, {f"in{i}.root": f"{token} event {i}\n" * (i + 1) for i in range(10)})
    marker = tmp_path / "fail-once"
    marker.touch()
    (tmp_path / "ana.py").write_text(STEERING.format(marker=str(marker)))

    init = _tool(env, tmp_path, "gb2_proxy_init", "-g", "belle_user", "--pwstdin", stdin="s3cret")
    assert init.returncode == 0 and proxy.exists(), init.stdout + init.stderr
    sub = _tool(env, tmp_path, "gbasf2", "ana.py", "-p", project, "-s", "light-2511-gacrux", "-i", block, "--force")
    assert sub.returncode == 0 and "scout" in sub.stdout, sub.stdout + sub.stderr

    rows = _wait_final(env, tmp_path, project, 12)
    discard.extend(int(j) for j in rows)
    failed = [j for j, r in rows.items() if r["Status"] == "Failed"]
    assert len(failed) == 1 and not marker.exists(), rows  # exactly the job of in3, once
    assert rows[failed[0]]["ApplicationStatus"].startswith("basf2 failed"), rows[failed[0]]
    diag = _tool(env, tmp_path, "gb2_diagnostic", "--failed_job", failed[0], "--json")
    verdict = json.loads(diag.stdout)
    assert (verdict["Category"], verdict["Scope"]) == ("steering", "some"), verdict
    assert "reschedule" in verdict["Advice"] and "Script1_basf2helper.py.log" in verdict["Advice"]
    checks = _tool(env, tmp_path, "gb2_diagnostic")
    assert checks.returncode == 0 and checks.stdout.count("[OK]") == 5, checks.stdout + checks.stderr

    again = _tool(env, tmp_path, "gb2_job_reschedule", "--jobid", failed[0], "--force")
    assert again.returncode == 0, again.stdout + again.stderr
    rows = _wait_final(env, tmp_path, project, 12)
    assert all((r["Status"], r["ApplicationStatus"]) == ("Done", "Done") for r in rows.values()), rows
    summary = _tool(env, tmp_path, "gb2_project_summary", "-p", project, "--json")
    assert summary.returncode == 0 and project in summary.stdout, summary.stdout + summary.stderr

    get = _tool(env, tmp_path, "gb2_ds_get", project, "--force")
    assert get.returncode == 0, get.stdout + get.stderr
    files = sorted((tmp_path / project / "sub00").iterdir())
    assert len(files) == 10 and sum(f.name.endswith(f"_job{failed[0]}_01.root") for f in files) == 1, files
    catalog = analyst.python(f"""
        from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
        lfns = ["/belle/user/b2analyst/{project}/sub00/" + n for n in {[f.name for f in files]!r}]
        result = {{k: v["Checksum"] for k, v in FileCatalog().getFileMetadata(lfns)["Value"]["Successful"].items()}}
        """)
    for f in files:
        assert f"{zlib.adler32(f.read_bytes()) & 0xFFFFFFFF:08x}" == catalog[
            f"/belle/user/b2analyst/{project}/sub00/{f.name}"
        ].zfill(8)

    lost = files[:2]
    for f in lost:
        f.unlink()
    mtimes = {f.name: f.stat().st_mtime_ns for f in files[2:]}
    resume = _tool(env, tmp_path, "gb2_ds_get", project, "--force")
    assert resume.returncode == 0, resume.stdout + resume.stderr
    assert all(f.exists() for f in lost)
    assert {f.name: f.stat().st_mtime_ns for f in files[2:]} == mtimes, "files already there must not be fetched"
    assert os.path.getsize(lost[0]) > 0
