"""The Rucio catalog plugin's decisions: DIDs, registration plans, datablock caps and result shapes."""

import pytest

from BelleDIRAC.Resources.Catalog.rucio_plan import (
    NO_SUCH_FILE,
    chunked,
    containerChain,
    didsOf,
    directorySize,
    fileMetadata,
    normalizeAdler32,
    parseFileInfo,
    planRegistration,
    refuseOverfull,
    replicasResult,
)

BASE = "/belle/user/alice/proj"
SCOPES = {"user.alice"}


def _entry(i: int, block: int = 0, se: str = "KEK-TMP-SE", checksum: str = "1"):
    return parseFileInfo(f"{BASE}/sub{block:02d}/f{i}.root", {"SE": se, "Size": 10, "Checksum": checksum}, SCOPES)


def test_chunks_of_at_most_1000():
    assert [len(c) for c in chunked(range(2500))] == [1000, 1000, 500] and chunked([]) == []


def test_dids_and_refusals():
    dids, failed = didsOf([f"{BASE}/sub00/a.root", "/etc/passwd"], SCOPES)
    assert dids == {f"{BASE}/sub00/a.root": {"scope": "user.alice", "name": f"{BASE}/sub00/a.root"}}
    assert "not below /belle/" in failed["/etc/passwd"]


def test_container_chain_stays_in_the_datablock_scope():
    chain = containerChain(f"{BASE}/sub00", SCOPES)
    assert [c["name"] for c in chain] == ["/belle/user/alice", BASE]
    assert {c["scope"] for c in chain} == {"user.alice"}
    mc = "/belle/MC/release-08/DB1/MC15/prod1/s00/e1003/4S/r00000/uubar/mdst"
    assert containerChain(mc + "/sub00")[0]["name"] == "/belle/MC/release-08"


def test_adler32_forms():
    assert normalizeAdler32("ABC") == "00000abc" and normalizeAdler32("xyz") is None and normalizeAdler32("") is None


@pytest.mark.parametrize(
    "lfn,info,message",
    [
        (f"{BASE}/f.root", {"SE": "S", "Size": 1, "Checksum": "1"}, "not in a datablock"),
        (f"{BASE}/sub00/f.root", {"Size": 1, "Checksum": "1"}, "no SE"),
        (f"{BASE}/sub00/f.root", {"SE": "S", "Size": "1", "Checksum": "1"}, "Size must be"),
        (f"{BASE}/sub00/f.root", {"SE": "S", "Size": 1, "Checksum": "md5:1"}, "Checksum must be"),
        (f"{BASE}/sub00/f.root", {"SE": "S", "Size": 1, "Checksum": "1", "GUID": "nope"}, "not a UUID"),
        (f"{BASE}/sub00/f.root", "x", "needs"),
    ],
)
def test_bad_file_info(lfn, info, message):
    with pytest.raises(ValueError, match=message):
        parseFileInfo(lfn, info, SCOPES)


def test_plan_sorts_new_known_and_conflicting_files():
    entries = {e.lfn: e for e in [_entry(1), _entry(2), _entry(3), _entry(4, se="DESY-TMP-SE")]}
    known = {
        f"{BASE}/sub00/f2.root": {"bytes": 10, "adler32": "00000001", "rses": {"KEK-TMP-SE"}},
        f"{BASE}/sub00/f3.root": {"bytes": 11, "adler32": "00000001", "rses": {"KEK-TMP-SE"}},
        f"{BASE}/sub00/f4.root": {"bytes": 10, "adler32": "1", "rses": {"KEK-TMP-SE"}},
    }
    plan = planRegistration(entries, known)
    assert [e.lfn for e in plan.new[(f"{BASE}/sub00", "KEK-TMP-SE")]] == [f"{BASE}/sub00/f1.root"]
    assert "other content" in plan.failed[f"{BASE}/sub00/f3.root"]
    assert [e.lfn for e in plan.newReplicas["DESY-TMP-SE"]] == [f"{BASE}/sub00/f4.root"]
    assert {e.lfn for e in plan.attach[f"{BASE}/sub00"]} == {f"{BASE}/sub00/f2.root", f"{BASE}/sub00/f4.root"}


def test_a_full_datablock_refuses_the_next_file_and_names_the_next_block():
    entries = {e.lfn: e for e in [_entry(i) for i in range(3)]}
    plan = planRegistration(entries, {})
    refuseOverfull(plan, {f"{BASE}/sub00": 999})
    assert len(plan.new[(f"{BASE}/sub00", "KEK-TMP-SE")]) == 1
    assert all(f"{BASE}/sub01" in why for why in plan.failed.values()) and len(plan.failed) == 2


def test_replicas_answer_every_lfn():
    lfns = ["/belle/a/sub00/x", "/belle/a/sub00/y", "/belle/a/sub00/z"]
    dids = {lfn: {} for lfn in lfns}
    reps = [
        {"name": lfns[0], "rses": {"A": ["file://a"], "B": ["file://b"]}, "states": {"A": "AVAILABLE", "B": "COPYING"}},
        {"name": lfns[1], "rses": {}, "states": {}},
    ]
    assert replicasResult(lfns, dids, reps) == {
        "Successful": {lfns[0]: {"A": "file://a"}, lfns[1]: {}},
        "Failed": {lfns[2]: NO_SUCH_FILE},
    }
    assert set(replicasResult(lfns, dids, reps, allStatus=True)["Successful"][lfns[0]]) == {"A", "B"}


def test_metadata_and_sizes_in_dirac_shapes():
    meta = fileMetadata({"did_type": "FILE", "bytes": 5, "adler32": "000000ff", "guid": "0" * 31 + "1"})
    assert meta["Size"] == 5 and meta["ChecksumType"] == "AD" and meta["GUID"].endswith("0001")
    assert fileMetadata({"did_type": "DATASET"})["Type"] == "Directory"
    size = directorySize([{"bytes": 3}, {"bytes": 4}], [{"bytes": 3, "states": {"A": "AVAILABLE", "B": "COPYING"}}])
    assert size["Files"] == 2 and size["TotalSize"] == 7 and size["SiteUsage"] == {"A": {"Files": 1, "Size": 3}}
