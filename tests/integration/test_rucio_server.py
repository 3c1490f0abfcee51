"""The stack's real Rucio server, used the way BelleDIRAC will: rucio-clients from ``.venv`` as an analyst.

Files are written into DIRAC's SE directories and registered in Rucio under their Belle II DID (scope from
lfn_naming); a replication rule is fulfilled by the conveyor daemons with the ``b2copy`` transfertool,
so the test checks the bytes at the destination too. Timings of bulk calls are printed (``-s``).
"""

from __future__ import annotations

import os
import time
import uuid
import zlib

import pytest

from b2stack import layout, rucio
from BelleDIRAC.Resources.Catalog import lfn_naming


@pytest.fixture(scope="module")
def client(live_stack):
    """A Rucio client logged in as b2analyst (userpass), configured by the stack's client cfg."""
    os.environ["RUCIO_CONFIG"] = str(rucio.client_cfg("b2analyst"))
    from rucio.client import Client

    return Client()


@pytest.fixture(scope="module")
def scopes(client) -> set[str]:
    return set(client.list_scopes())


def _adler32(data: bytes) -> str:
    return f"{zlib.adler32(data) & 0xFFFFFFFF:08x}"


def _write_files(se: str, block: str, n: int, scopes: set[str], size: int = 1000) -> list[dict]:
    """Write ``n`` files of ``block`` into the SE's directory; return them as Rucio file dicts."""
    out = []
    os.makedirs(f"{rucio.rse_prefix(se)}{block.lstrip('/')}", exist_ok=True)
    for i in range(n):
        lfn = f"{block}/f{i:04d}.root"
        data = os.urandom(size)
        with open(rucio.rse_prefix(se) + lfn.lstrip("/"), "wb") as f:
            f.write(data)
        scope, name = lfn_naming.lfnToDID(lfn, scopes)
        out.append({"scope": scope, "name": name, "bytes": size, "adler32": _adler32(data)})
    return out


def _dids(files: list[dict]) -> list[dict]:
    return [{"scope": f["scope"], "name": f["name"]} for f in files]


def test_analyst_identity_and_scopes(client, scopes):
    assert client.whoami()["account"] == "b2analyst"
    assert {"user.b2analyst", "mc", "mc_tmp", "data", "data_tmp", "raw", "hraw", "other"} <= scopes
    assert {r["rse"] for r in client.list_rses()} >= {s.se for s in layout.SITES}


def test_replicas_metadata_datasets_and_a_rule_that_really_copies(client, scopes):
    src, dst = layout.SITES[0].se, layout.SITES[1].se
    block = f"/belle/user/b2analyst/rucio-it-{uuid.uuid4().hex[:8]}/sub00"
    files = _write_files(src, block, 3, scopes)
    scope = files[0]["scope"]
    assert scope == "user.b2analyst"

    assert client.add_replicas(src, files)
    replicas = {r["name"]: r for r in client.list_replicas(_dids(files))}
    assert set(replicas) == {f["name"] for f in files}
    pfn = replicas[files[0]["name"]]["rses"][src][0]
    assert pfn == f"file://localhost{rucio.rse_prefix(src)}{files[0]['name'].lstrip('/')}"  # DIRAC's File SE path

    # JSON metadata: set, get, and find files by it.
    tag = uuid.uuid4().hex[:10]
    client.set_metadata_bulk(scope, files[0]["name"], {"b2tag": tag, "experiment": 1003})
    client.set_metadata(scope, files[1]["name"], "b2tag", tag)
    meta = client.get_metadata(scope, files[0]["name"], plugin="JSON")
    assert meta == {"b2tag": tag, "experiment": 1003}
    assert sorted(client.list_dids(scope, {"b2tag": tag}, did_type="file")) == sorted(f["name"] for f in files[:2])
    assert list(client.list_dids(scope, {"b2tag": tag, "experiment": 1003}, did_type="file")) == [files[0]["name"]]

    # The datablock is a dataset holding the files.
    client.add_dataset(scope, block)
    client.attach_dids(scope, block, _dids(files))
    assert sorted(c["name"] for c in client.list_content(scope, block)) == sorted(f["name"] for f in files)

    # A rule to another RSE: the daemons copy the bytes and the rule becomes OK.
    rule_id = client.add_replication_rule([{"scope": scope, "name": block}], 1, dst)[0]
    deadline, rule = time.monotonic() + 120, None
    while time.monotonic() < deadline:
        rule = client.get_replication_rule(rule_id)
        if rule["state"] in ("OK", "STUCK"):
            break
        time.sleep(1)
    assert rule["state"] == "OK", rule
    for f in files:
        with open(rucio.rse_prefix(dst) + f["name"].lstrip("/"), "rb") as copy:
            assert _adler32(copy.read()) == f["adler32"]
    states = {r["name"]: r["states"] for r in client.list_replicas(_dids(files))}
    assert all(s == {src: "AVAILABLE", dst: "AVAILABLE"} for s in states.values()), states


def test_bulk_1000_replicas(client, scopes):
    """1000 files (one datablock, the most a Rucio bulk call takes) registered and listed in one call each."""
    se = layout.SITES[2].se
    block = f"/belle/user/b2analyst/rucio-bulk-{uuid.uuid4().hex[:8]}/sub00"
    files = _write_files(se, block, 1000, scopes, size=100)
    t0 = time.monotonic()
    assert client.add_replicas(se, files)
    t_add = time.monotonic() - t0
    t0 = time.monotonic()
    listed = list(client.list_replicas(_dids(files)))
    t_list = time.monotonic() - t0
    print(f"\nRucio add_replicas of 1000: {t_add:.2f} s; list_replicas of 1000: {t_list:.2f} s")
    assert len(listed) == 1000 and all(r["states"] == {se: "AVAILABLE"} for r in listed)
    assert t_add < 30 and t_list < 30
