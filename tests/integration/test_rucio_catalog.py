"""BelleDIRAC's Rucio catalog plugin, used as DIRAC uses it: ``FileCatalog()`` and DIRAC's own dms commands,
as real users with their proxies and Rucio logins, against the stack's Rucio server."""

from __future__ import annotations

import json
import os
import textwrap
import uuid

import pytest

from b2stack import layout, rucio

KEK, DESY = layout.SITES[0].se, layout.SITES[1].se


def _base(user="b2analyst") -> str:
    return f"/belle/user/{user}/cat-{uuid.uuid4().hex[:10]}"


def _fc(client, body: str, timeout: float = 300):
    """Run ``body`` with ``fc = FileCatalog()`` (DIRAC's wrapper, loading our plugin) as ``client``."""
    head = "from DIRAC.Resources.Catalog.FileCatalog import FileCatalog\nfc = FileCatalog()\n"
    return client.python(head + textwrap.dedent(body), timeout=timeout)


def test_dirac_dms_commands_work_unchanged(analyst, tmp_path):
    """Upload, list replicas, replicate, search by metadata and remove with DIRAC's own commands."""
    lfn = f"{_base()}/sub00/hello.txt"
    src = tmp_path / "hello.txt"
    src.write_text(f"hello {uuid.uuid4()}\n")
    add = analyst.run("dirac-dms-add-file", lfn, str(src), KEK, timeout=120)
    assert "Successfully uploaded" in add.stdout, add.stdout + add.stderr
    on_disk = layout.path("storage", KEK) / lfn.lstrip("/")
    assert on_disk.read_text() == src.read_text()
    again = analyst.run("dirac-dms-add-file", lfn, str(src), KEK)
    assert "already exists" in again.stdout + again.stderr

    rep = analyst.run("dirac-dms-replicate-lfn", lfn, DESY, timeout=120)
    assert rep.returncode == 0, rep.stdout + rep.stderr
    reps = analyst.run("dirac-dms-lfn-replicas", lfn).stdout
    assert KEK in reps and DESY in reps, reps

    meta = _fc(
        analyst, f"result = fc.setMetadata('{lfn.rsplit('/', 1)[0]}', {{'experimentLow': 7, 'experimentHigh': 8}})"
    )
    assert meta["OK"], meta
    found = analyst.run("dirac-dms-find-lfns", f"Path={lfn.rsplit('/', 2)[0]}", "experiment=8")
    assert lfn in found.stdout.split(), found.stdout + found.stderr
    assert not analyst.run("dirac-dms-find-lfns", f"Path={lfn.rsplit('/', 2)[0]}", "experiment=9").stdout.strip()

    rm = analyst.run("dirac-dms-remove-files", lfn, timeout=120)
    assert "Successfully removed 1 files" in rm.stdout, rm.stdout + rm.stderr
    assert "No such file" in analyst.run("dirac-dms-lfn-replicas", lfn).stdout
    assert not on_disk.exists()


def test_bulk_registration_datablocks_and_idempotent_retry(analyst):
    """2500 files in three datablocks, the 1001st of a full datablock refused, a retry changing nothing."""
    base = _base()
    result = _fc(
        analyst,
        f"""
        import time
        files = {{f"{base}/sub{{i // 1000:02d}}/f{{i:05d}}.root": {{"SE": "{KEK}", "Size": 100 + i,
                  "Checksum": f"{{i + 1:08x}}"}} for i in range(2500)}}
        t0 = time.monotonic(); add = fc.addFile(files); t_add = time.monotonic() - t0
        retry = fc.addFile(files)
        extra = fc.addFile({{"{base}/sub00/overflow.root": {{"SE": "{KEK}", "Size": 1, "Checksum": "1"}}}})
        unknown = "{base}/sub02/missing.root"
        t0 = time.monotonic(); reps = fc.getReplicas(list(files) + [unknown]); t_get = time.monotonic() - t0
        sizes = fc.getDirectorySize(["{base}/sub00", "{base}/sub02"])
        listing = fc.listDirectory("{base}")
        result = dict(add=add, retry=retry, extra=extra, reps=reps, t_add=t_add, t_get=t_get, sizes=sizes,
                      listing=listing, unknown=unknown)
        """,
    )
    for step in ("add", "retry"):
        value = result[step]["Value"]
        assert value["Failed"] == {} and len(value["Successful"]) == 2500, (step, list(value["Failed"].items())[:3])
    assert "is full (1000 files)" in str(result["extra"]["Value"]["Failed"][f"{base}/sub00/overflow.root"])
    reps = result["reps"]["Value"]
    assert len(reps["Successful"]) == 2500 and reps["Failed"] == {result["unknown"]: "No such file or directory"}
    assert set(reps["Successful"][f"{base}/sub01/f01000.root"]) == {KEK}
    sizes = result["sizes"]["Value"]["Successful"]
    assert sizes[f"{base}/sub00"]["Files"] == 1000 and sizes[f"{base}/sub02"]["Files"] == 500
    assert sizes[f"{base}/sub02"]["TotalSize"] == sum(100 + i for i in range(2000, 2500))
    assert set(result["listing"]["Value"]["Successful"][base]["SubDirs"]) == {f"{base}/sub{i:02d}" for i in range(3)}
    print(f"\naddFile 2500: {result['t_add']:.1f} s; getReplicas 2501: {result['t_get']:.2f} s")


def test_bad_input_is_refused_per_lfn(analyst, analyst2):
    base = _base()
    good = f"{base}/sub00/good.root"
    bad = {
        "/etc/passwd": "not below /belle/",
        f"{base}/../../b2analyst2/x/sub00/f.root": "not a normalized path",
        f"{base}/nodatablock.root": "not in a datablock",
        f"{base}/sub00/nochecksum.root": "Checksum must be an adler32",
        f"{base}/sub00/badsize.root": "Size must be a non-negative integer",
    }
    infos = {lfn: {"SE": KEK, "Size": 10, "Checksum": "abc"} for lfn in bad}
    infos[f"{base}/sub00/nochecksum.root"]["Checksum"] = "not-hex"
    infos[f"{base}/sub00/badsize.root"]["Size"] = -1
    infos[good] = {"SE": KEK, "Size": 10, "Checksum": "0000abcd"}
    result = _fc(
        analyst,
        f"""
        from BelleDIRAC.Resources.Catalog.RucioFileCatalogClient import RucioFileCatalogClient
        cat = RucioFileCatalogClient()
        add = cat.addFile({json.dumps(infos)}, LFNChecking=False)
        clash = cat.addFile({{"{good}": {{"SE": "{KEK}", "Size": 10, "Checksum": "0000abce"}}}})
        mismatch = cat.addReplica({{"{good}": {{"SE": "{DESY}", "Checksum": "12345678"}}}})
        wrongType = cat.setMetadata("{base}/sub00", {{"experimentLow": "seven"}})
        reserved = cat.setMetadata("{base}/sub00", {{"belle_x": 1}})
        okMeta = cat.setMetadata("{good}", {{"campaign": "MC15rd_b", "experimentLow": 3}})
        fileMeta = cat.getFileUserMetadata(["{good}", "{base}/sub00/absent.root"])
        query = cat.findFilesByMetadata({{"campaign": "MC15rd_b"}}, "{base}")
        badQuery = cat.findFilesByMetadata({{"experiment": [9, 3]}}, "{base}")
        result = dict(add=add, clash=clash, mismatch=mismatch, wrongType=wrongType, reserved=reserved,
                      okMeta=okMeta, fileMeta=fileMeta, query=query, badQuery=badQuery)
        """,
    )
    add = result["add"]["Value"]
    assert add["Successful"] == {good: True}, add
    for lfn, reason in bad.items():
        assert reason in add["Failed"][lfn], (lfn, add["Failed"].get(lfn))
    assert "already registered with other content" in result["clash"]["Value"]["Failed"][good]
    assert "checksum mismatch" in result["mismatch"]["Value"]["Failed"][good]
    assert "must be int" in result["wrongType"]["Value"]["Failed"][f"{base}/sub00"]
    assert "reserved" in result["reserved"]["Value"]["Failed"][f"{base}/sub00"]
    assert result["okMeta"]["Value"]["Successful"] == {good: True}
    fileMeta = result["fileMeta"]["Value"]
    assert fileMeta["Successful"][good] == {"campaign": "MC15rd_b", "experimentLow": 3}
    assert fileMeta["Failed"] == {f"{base}/sub00/absent.root": "No such file or directory"}
    assert result["query"]["Value"] == [good]
    assert not result["badQuery"]["OK"] and "empty" in result["badQuery"]["Message"]

    # Another user cannot register into b2analyst's space: Rucio refuses, per LFN, nothing half-made.
    intruder = f"{base}/sub01/intruder.root"
    other = _fc(
        analyst2,
        f"""
        result = fc.addFile({{"{intruder}": {{"SE": "{KEK}", "Size": 1, "Checksum": "1"}}}})
        result["exists"] = fc.exists("{intruder}")
        """,
    )
    assert "AccessDenied" in str(other["Value"]["Failed"][intruder]), other
    assert other["exists"]["Value"]["Successful"][intruder] is False


def test_rucio_unreachable_gives_a_clear_error(analyst, tmp_path):
    cfg = tmp_path / "rucio.cfg"
    text = rucio.client_cfg_text("b2analyst").replace(f":{layout.RUCIO_PORT}", ":9")
    cfg.write_text(text.replace("request_retries = 3", "request_retries = 0"))
    env = dict(analyst.env, RUCIO_CONFIG=str(cfg))
    saved, analyst.env = analyst.env, env
    try:
        result = analyst.python(f"""
            import time
            from BelleDIRAC.Resources.Catalog.RucioFileCatalogClient import RucioFileCatalogClient
            t0 = time.monotonic()
            result = RucioFileCatalogClient().getReplicas("{_base()}/sub00/f.root")
            result["seconds"] = time.monotonic() - t0
            """)
    finally:
        analyst.env = saved
    assert not result["OK"] and result["Message"].startswith("Rucio catalog getReplicas: "), result
    assert result["seconds"] < 60


@pytest.fixture(scope="module")
def rucio_as_analyst(live_stack):
    os.environ["RUCIO_CONFIG"] = str(rucio.client_cfg("b2analyst"))
    from rucio.client import Client

    return Client()


def test_registration_is_whole_in_rucio(analyst, rucio_as_analyst):
    """What addFile leaves in Rucio: the file in its datablock dataset, the chain of containers above."""
    base = _base()
    lfn = f"{base}/sub00/f.root"
    result = _fc(analyst, f"result = fc.addFile({{'{lfn}': {{'SE': '{KEK}', 'Size': 5, 'Checksum': 'ff'}}}})")
    assert result["Value"]["Successful"] == {lfn: {"RucioFileCatalog": True}}, result
    client, scope = rucio_as_analyst, "user.b2analyst"
    assert [c["name"] for c in client.list_content(scope, f"{base}/sub00")] == [lfn]
    assert client.get_did(scope, f"{base}/sub00")["type"] == "DATASET"
    assert [c["name"] for c in client.list_content(scope, base)] == [f"{base}/sub00"]
    assert client.get_did(scope, base)["type"] == "CONTAINER"
    assert f"{base}" in [c["name"] for c in client.list_content(scope, "/belle/user/b2analyst")]
    replica = next(client.list_replicas([{"scope": scope, "name": lfn}]))
    assert replica["adler32"] == "000000ff" and replica["bytes"] == 5 and set(replica["rses"]) == {KEK}


RACE = """
import json, sys, zlib
import DIRAC
DIRAC.initialize()
from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
lfn, data = sys.argv[1], sys.argv[1].encode()
info = {"PFN": "x", "Size": len(data), "SE": "KEK-TMP-SE", "Checksum": f"{zlib.adler32(data) & 0xFFFFFFFF:08x}"}
res = FileCatalog().addFile({lfn: info})
print("@@" + json.dumps(res["Value"]["Failed"] if res["OK"] else res["Message"]))
"""


def test_concurrent_registrations_into_a_new_datablock_all_succeed(analyst):
    """Jobs of one project register into the same new datablock at the same moment: none may lose."""
    import subprocess
    import sys

    base = f"/belle/user/b2analyst/race-{uuid.uuid4().hex[:8]}/a/b/sub00"
    procs = [
        subprocess.Popen([sys.executable, "-c", RACE, f"{base}/f{i}.root"], env=analyst.env, stdout=subprocess.PIPE,
                         text=True)  # fmt: skip
        for i in range(6)
    ]
    answers = [p.communicate(timeout=120)[0] for p in procs]
    assert all("@@{}" in out for out in answers), answers
