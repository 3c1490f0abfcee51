"""The gb2 dataset tools and b2luigi's dataset API against the live stack, run as real users.

One dataset per run (``/belle/user/b2analyst/gb2ds-<uuid>``) is uploaded with gb2_ds_put and then
listed, downloaded, resumed, replicated, searched and deleted with the other tools.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
import uuid
import zlib

import pytest

N_FILES = 30
USER = "b2analyst"


def adler(path) -> str:
    return f"{zlib.adler32(open(path, 'rb').read()) & 0xFFFFFFFF:08x}"


@pytest.fixture(scope="module")
def project(analyst, tmp_path_factory):
    """``(name, source dir)``: N_FILES job outputs plus a rescheduled duplicate of job 1, uploaded."""
    name = f"gb2ds-{uuid.uuid4().hex[:10]}"
    src = tmp_path_factory.mktemp("put")
    for i in range(N_FILES):
        (src / f"ntuple_{i:05d}_job{100 + i}_00.root").write_bytes(os.urandom(1000 + 37 * i))
    (src / "ntuple_00001_job101_01.root").write_bytes(os.urandom(777))
    proc = analyst.run("gb2_ds_put", "-i", str(src), "-d", "KEK-TMP-SE", "-f", name, cwd=src)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Successfully uploaded files:" in proc.stdout and "files" in proc.stderr, "progress goes to stderr"
    return name, src


def lfnsOf(name):
    return f"/belle/user/{USER}/{name}"


def get(analyst, cwd, *args):
    return analyst.run("gb2_ds_get", *args, "--force", cwd=cwd)


def test_put_again_skips_what_is_registered_and_refuses_non_tmp_and_foreign_space(analyst, project, tmp_path):
    name, src = project
    again = analyst.run("gb2_ds_put", "-i", str(src), "-d", "KEK-TMP-SE", "-f", name, cwd=tmp_path)
    assert again.returncode == 0 and f"{N_FILES + 1} files are already registered" in again.stdout, again.stdout
    for target, se in [
        (name, "KEK-DATA-SE"),
        ("/belle/user/b2analyst2/x", "KEK-TMP-SE"),
        ("/belle/MC/x", "KEK-TMP-SE"),
    ]:
        proc = analyst.run("gb2_ds_put", "-i", str(src), "-d", se, "-f", target, cwd=tmp_path)
        assert proc.returncode == 4 and "cannot" in proc.stderr or "TMP" in proc.stderr, proc.stderr


def test_list_plain_long_replicas_wildcard_and_json(analyst, project):
    name, _src = project
    base = lfnsOf(name)
    plain = analyst.run("gb2_ds_list", name)
    assert plain.returncode == 0 and plain.stdout.split() == [f"{base}/sub00"], plain.stdout + plain.stderr
    files = analyst.run("gb2_ds_list", f"{name}/sub00").stdout.split()
    assert len(files) == N_FILES + 1 and f"{base}/sub00/ntuple_00001_job101_01.root" in files, "all _RR shown"
    long = analyst.run("gb2_ds_list", name, "-l").stdout
    assert f"({N_FILES + 1} files)" in long
    lg = analyst.run("gb2_ds_list", f"{base}/sub*/ntuple_0000[0-9]*.root".replace("[0-9]", "?"), "-lg").stdout
    rows = [line.split() for line in lg.splitlines()]
    assert len(rows) == 11 and all(r[2] == "KEK-TMP-SE" and r[1].isdigit() for r in rows), lg
    data = json.loads(analyst.run("gb2_ds_list", f"{name}/sub00/ntuple_00003_job103_00.root", "--json").stdout)
    assert data == [{"Path": f"{base}/sub00/ntuple_00003_job103_00.root", "Type": "File", "Size": 1111, "Files": 1,
                     "SEs": ["KEK-TMP-SE"]}]  # fmt: skip
    missing = analyst.run("gb2_ds_list", f"{name}-nothing")
    assert missing.returncode == 3 and missing.stdout == ""


def test_get_layout_checksums_progress_and_newest_reschedule_only(analyst, project, tmp_path):
    name, src = project
    proc = get(analyst, tmp_path, f"/belle/user/{USER}/{name}/sub*/ntuple_*.root", "--failed_lfns", "failed.txt")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Successfully downloaded files:" in proc.stdout and "Failed files:" in proc.stdout
    assert f"{N_FILES}/{N_FILES} files" in proc.stderr, "a progress bar on stderr"
    block = tmp_path / name / "sub00"
    assert sorted(os.listdir(tmp_path)) == [name], "nothing else, no failed_lfns file on success"
    local = sorted(os.listdir(block))
    assert (
        len(local) == N_FILES and "ntuple_00001_job101_01.root" in local and "ntuple_00001_job101_00.root" not in local
    )
    for f in local:
        assert adler(block / f) == adler(src / f)


def test_resume_skips_verified_refetches_missing_and_corrupted(analyst, project, tmp_path):
    name, _src = project
    assert get(analyst, tmp_path, name).returncode == 0
    block = tmp_path / name / "sub00"
    start = time.monotonic()
    again = get(analyst, tmp_path, name)
    elapsed = time.monotonic() - start
    assert "Download 0 files" in again.stdout and f"{N_FILES} files already downloaded" in again.stdout
    assert elapsed < 10, f"resume of a finished download took {elapsed:.1f} s"
    (block / "ntuple_00004_job104_00.root").unlink()
    victim = block / "ntuple_00005_job105_00.root"
    data = bytearray(victim.read_bytes())
    data[10] ^= 0xFF  # same size, other bytes: only the checksum can tell
    victim.write_bytes(bytes(data))
    third = get(analyst, tmp_path, name)
    assert "Download 2 files" in third.stdout and "1 local files differ" in third.stdout, third.stdout
    fetched = [line.split()[0] for line in third.stdout.splitlines() if " in " in line]
    assert sorted(os.path.basename(f) for f in fetched) == ["ntuple_00004_job104_00.root", victim.name]
    assert adler(victim) == adler(_src / victim.name)


def test_input_dslist_and_failed_lfns(analyst, project, tmp_path):
    name, _src = project
    base = f"{lfnsOf(name)}/sub00"
    (tmp_path / "list.txt").write_text(f"{base}/ntuple_00002_job102_00.root\n\n{base}/ntuple_00007_job107_00.root\n")
    proc = get(analyst, tmp_path, name, "--input_dslist", str(tmp_path / "list.txt"), "--failed_lfns", "f.txt")
    assert proc.returncode == 0 and not (tmp_path / "f.txt").exists(), proc.stdout + proc.stderr
    assert sorted(os.listdir(tmp_path / name / "sub00")) == [
        "ntuple_00002_job102_00.root",
        "ntuple_00007_job107_00.root",
    ]
    # a replica that does not exist at the SE asked for fails the file: listed, exit 0, failed_lfns written
    other = tmp_path / "other"
    other.mkdir()
    bad = get(analyst, other, f"{base}/ntuple_00008_job108_00.root", "--se", "CNAF-TMP-SE", "--failed_lfns", "f.txt")
    assert bad.returncode == 0, bad.stderr
    assert bad.stdout.rstrip().endswith(f"Failed files:\n{base}/ntuple_00008_job108_00.root"), bad.stdout
    assert (other / "f.txt").read_text() == f"{base}/ntuple_00008_job108_00.root\n"
    assert os.listdir(other) == ["f.txt"], "no empty subXX left behind"


def test_nothing_found_and_raw_refused(analyst, project, tmp_path):
    name, _src = project
    proc = get(analyst, tmp_path, f"{lfnsOf(name)}/sub*/nothing_*.root", "--failed_lfns", "f.txt")
    assert proc.returncode == 0 and "No file found" in proc.stdout and not (tmp_path / "f.txt").exists()
    for raw in ["/belle/Raw/e0012/r01234/sub00/physics.root", "/belle/hRaw/e0012", "/belle/*/e0012"]:
        refused = get(analyst, tmp_path, raw)
        assert refused.returncode == 4 and "raw data" in refused.stderr and "Data Production" in refused.stderr


B2LUIGI = """
import json
from BelleDIRAC.Client.helpers.common import initializeCS
initializeCS()
from BelleDIRAC.gbasf2.lib.auth import userCreds
from BelleDIRAC.gbasf2.lib.ds.manager import Manager
result = userCreds(Manager().getLfns)(dataType=None, dataset={query!r}, user={user!r})
print(json.dumps(result["Value"]) if result["OK"] else result)
"""


def b2luigi_query(client, query):
    proc = client.run(sys.executable, "-c", textwrap.dedent(B2LUIGI.format(query=query, user=USER)))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # stdout must hold nothing but the JSON


def test_manager_getlfns_in_the_three_b2luigi_shapes(analyst, project):
    name, _src = project
    base = lfnsOf(name)
    bare = b2luigi_query(analyst, name)
    assert len(bare) == N_FILES + 1 and all(lfn.startswith(f"{base}/sub00/") for lfn in bare)
    wild = b2luigi_query(analyst, f"{base}/sub*/ntuple_*.root")
    assert wild == bare, "every _RR version: b2luigi de-duplicates itself"
    assert b2luigi_query(analyst, f"{base}/sub*/other_*.root") == []
    assert b2luigi_query(analyst, f"{name}-never-submitted") == []
    assert b2luigi_query(analyst, "/belle/group/physics/nothing/proj") == []


def test_replicate_and_status(analyst, project):
    name, _src = project
    proc = analyst.run("gb2_ds_rep", "-d", "DESY-TMP-SE", name, "-f", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rules = json.loads(proc.stdout)["Successful"]
    assert list(rules) == [f"{lfnsOf(name)}/sub00"]
    assert analyst.run("gb2_ds_rep", "-d", "KEK-DATA-SE", name, "-f").returncode == 4
    deadline, rows = time.monotonic() + 90, []
    while time.monotonic() < deadline:
        rows = json.loads(analyst.run("gb2_ds_rep_status", name, "--json").stdout)
        if rows and rows[0]["State"] == "OK":
            break
        time.sleep(3)
    assert rows[0]["SE"] == "DESY-TMP-SE" and rows[0]["FilesOK"] == rows[0]["FilesTotal"] == N_FILES + 1, rows
    table = analyst.run("gb2_ds_rep_status", name).stdout
    assert table.splitlines()[0].split() == ["LPN", "SE", "State", "Files", "OK/Total"]
    assert f"OK      {N_FILES + 1}/{N_FILES + 1}" in table


def test_search_finds_the_datablock_by_metadata(analyst, project):
    name, _src = project
    campaign = f"c{name[-10:]}"
    meta = analyst.python(f"""
        from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
        result = FileCatalog().setMetadata("{lfnsOf(name)}", {{"campaign": "{campaign}", "dataType": "mc",
                                           "experimentLow": 7, "experimentHigh": 9}})
        """)
    assert meta["OK"], meta
    found = analyst.run("gb2_ds_search", "dataset", "--campaign", campaign, "--data_type", "MC", "--experiment", "8-20")
    assert found.returncode == 0 and found.stdout == f"Matching datasets found:\n\t{lfnsOf(name)}/sub00\n", found.stdout
    none = analyst.run("gb2_ds_search", "dataset", "--campaign", campaign, "--experiment", "10")
    assert none.returncode == 3 and "No matching datasets found" in none.stdout


def test_se_list(analyst):
    proc = analyst.run("gb2_se_list", "--json")
    assert json.loads(proc.stdout) == [{"SE": se, "Type": "TMP"} for se in ("CNAF-TMP-SE", "DESY-TMP-SE", "KEK-TMP-SE")]


def test_rm_refuses_others_and_official_data_then_removes_own(analyst, analyst2, project, tmp_path):
    name, _src = project
    foreign = analyst2.run("gb2_ds_rm", lfnsOf(name), "-f")
    assert foreign.returncode == 4 and "your own space" in foreign.stderr
    assert analyst.run("gb2_ds_rm", "/belle/MC/release-06/x", "-f").returncode == 4
    assert analyst.run("gb2_ds_rm", f"/belle/user/{USER}", "-f").returncode == 4
    declined = analyst.run("gb2_ds_rm", name)
    assert declined.returncode == 4 and "No terminal" in declined.stdout
    one = f"{lfnsOf(name)}/sub00/ntuple_00001_job101_00.root"
    proc = analyst.run("gb2_ds_rm", one, "-f", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout) == {"Successful": [one], "Failed": {}}, proc.stdout
    assert analyst.run("gb2_ds_list", one).returncode == 3


@pytest.mark.parametrize(
    "tool", ["gb2_ds_list", "gb2_ds_get", "gb2_ds_put", "gb2_ds_rep", "gb2_ds_rep_status", "gb2_ds_rm", "gb2_ds_search", "gb2_se_list"]
)  # fmt: skip
def test_help_usage_and_no_proxy(analyst, tool, tmp_path):
    helped = analyst.run(tool, "--help")
    assert helped.returncode == 0 and "usage:" in helped.stdout
    usage = analyst.run(tool, "--usage")
    assert usage.returncode == 0 and "Examples:" in usage.stdout
    argv = {"gb2_ds_put": ["-i", ".", "-d", "KEK-TMP-SE", "x"], "gb2_ds_rep": ["-d", "KEK-TMP-SE", "x"],
            "gb2_ds_search": ["dataset", "--campaign", "x"], "gb2_se_list": []}.get(tool, ["x"])  # fmt: skip
    env = dict(analyst.env, X509_USER_PROXY=str(tmp_path / "none.pem"))
    import subprocess

    proc = subprocess.run([tool, *argv], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 5 and "gb2_proxy_init" in proc.stderr, proc.stderr
