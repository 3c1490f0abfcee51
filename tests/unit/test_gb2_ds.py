"""Pure logic of the gb2 dataset tools: query expansion, download layout and resume, list files, policy,
replication rows and search queries (no server)."""

from __future__ import annotations

import os
import sys
import types
import zlib

import pytest

from BelleDIRAC.gbasf2.lib.ds import expand, listing, local, policy, query, rules, search, upload

B = "/belle/user/alice/proj"
TREE = {
    "/belle/user/alice": ([], [B, "/belle/user/alice/other"]),
    B: ([], [f"{B}/sub00", f"{B}/sub01"]),
    f"{B}/sub00": ([f"{B}/sub00/nt_00000_job1_00.root", f"{B}/sub00/nt_00000_job1_01.root", f"{B}/sub00/log.txt"], []),
    f"{B}/sub01": ([f"{B}/sub01/nt_01000_job9_00.root"], []),
    "/belle/user/alice/other": ([], ["/belle/user/alice/other/sub00"]),
    "/belle/user/alice/other/sub00": (["/belle/user/alice/other/sub00/nt_00000_job5_00.root"], []),
}


def fakeLister(calls=None):
    def listDir(paths):
        if calls is not None:
            calls.append(list(paths))
        out = {}
        for p in paths:
            files = {f for entry in TREE.values() for f in entry[0]}
            out[p] = TREE.get(p) or (expand.FILE if p in files else None)
        return out

    return listDir


def test_split_pattern_keeps_the_longest_concrete_prefix():
    assert query.splitPattern(f"{B}/sub*/nt_*.root") == (B, ["sub*", "nt_*.root"])
    assert query.splitPattern(f"{B}/sub00") == (f"{B}/sub00", [])
    with pytest.raises(query.QueryError):
        query.splitPattern("/*/user")


def test_expand_dataset_datablock_file_and_wildcards_listing_only_what_is_reachable():
    assert expand.expand(B, fakeLister()) == sorted(TREE[f"{B}/sub00"][0] + TREE[f"{B}/sub01"][0])
    assert expand.expand(f"{B}/sub01", fakeLister()) == TREE[f"{B}/sub01"][0]
    one = f"{B}/sub00/log.txt"
    assert expand.expand(one, fakeLister()) == [one]
    calls = []
    got = expand.expand(f"{B}/sub*/nt_*.root", fakeLister(calls))
    assert got == [
        f"{B}/sub00/nt_00000_job1_00.root",
        f"{B}/sub00/nt_00000_job1_01.root",
        f"{B}/sub01/nt_01000_job9_00.root",
    ]
    assert calls == [[B], [f"{B}/sub00", f"{B}/sub01"]], "the other project is never listed"
    assert expand.expand("/belle/user/alice/*/sub00/nt_00000_*", fakeLister()) == [
        "/belle/user/alice/other/sub00/nt_00000_job5_00.root",
        f"{B}/sub00/nt_00000_job1_00.root",
        f"{B}/sub00/nt_00000_job1_01.root",
    ]
    assert expand.expand(f"{B}/sub*/none_*", fakeLister()) == []
    assert expand.expand("/belle/user/bob/proj", fakeLister()) == []


def test_top_level_listing_shows_children_or_wildcard_matches():
    assert expand.topLevel(B, fakeLister()) == [(f"{B}/sub00", True), (f"{B}/sub01", True)]
    assert expand.topLevel(f"{B}/sub0?", fakeLister()) == [(f"{B}/sub00", True), (f"{B}/sub01", True)]
    assert expand.topLevel(f"{B}/sub*/*.txt", fakeLister()) == [(f"{B}/sub00/log.txt", False)]


@pytest.mark.parametrize(
    "lpn", ["/belle/Raw/e0012/r1/sub00/x.root", "/belle/hRaw/e1", "/belle/hRawPhysics", "/belle/*/e1"]
)
def test_raw_data_is_refused_even_through_a_wildcard(lpn):
    with pytest.raises(query.QueryError, match="Data Production"):
        query.refuseRaw(lpn)


def test_non_raw_data_passes():
    query.refuseRaw("/belle/MC/release-06/x")
    query.refuseRaw("/belle/user/alice/Raw/sub00")


def test_local_layout_is_dataset_name_then_datablock():
    assert query.localPath(f"{B}/sub03/nt_1.root") == "proj/sub03/nt_1.root"
    with pytest.raises(query.QueryError):
        query.localPath(f"{B}/nt_1.root")


def test_lfn_list_files_round_trip_and_restrict():
    text = "# retry\nLFN:/belle/a/sub00/x.root  \n\n/belle/a/sub00/y.root\n/belle/a/sub00/x.root\n/belle/b/sub01/\n"
    assert query.readLFNList(text) == ["/belle/a/sub00/x.root", "/belle/a/sub00/y.root", "/belle/b/sub01"]
    assert query.formatLFNList([]) == "", "zero bytes when nothing failed (a lone newline is one entry)"
    assert query.formatLFNList(["/b", "/a", "/b"]) == "/a\n/b\n"
    lfns = ["/belle/a/sub00/x.root", "/belle/a/sub00/z.root", "/belle/b/sub01/q.root", "/belle/b/sub02/q.root"]
    assert query.restrictTo(lfns, ["/belle/a/sub00/x.root", "/belle/b/sub01", "/belle/c/sub00/w.root"]) == [
        "/belle/a/sub00/x.root",
        "/belle/b/sub01/q.root",
    ]


def _adler(data: bytes) -> str:
    return f"{zlib.adler32(data) & 0xFFFFFFFF:08x}"


def test_resume_decisions_compare_size_then_adler32(tmp_path):
    good, short, corrupt = b"a" * 100, b"b" * 100, b"c" * 100
    files = {
        f"{B}/sub00/good.root": {"Size": 100, "Checksum": _adler(good)},
        f"{B}/sub00/short.root": {"Size": 100, "Checksum": _adler(short)},
        f"{B}/sub00/corrupt.root": {"Size": 100, "Checksum": _adler(corrupt)},
        f"{B}/sub00/missing.root": {"Size": 100, "Checksum": "1"},
    }
    block = tmp_path / "proj" / "sub00"
    block.mkdir(parents=True)
    (block / "good.root").write_bytes(good)
    (block / "short.root").write_bytes(short[:50])
    (block / "corrupt.root").write_bytes(b"C" + corrupt[1:])
    plan = local.plan(files, query.localPath, str(tmp_path))
    assert [lfn for lfn, _p in plan.present] == [f"{B}/sub00/good.root"]
    assert sorted(os.path.basename(lfn) for lfn, _p in plan.fetch) == ["corrupt.root", "missing.root", "short.root"]
    assert sorted(os.path.basename(lfn) for lfn in plan.replaced) == ["corrupt.root", "short.root"]
    assert local.adler32(str(block / "good.root")) == _adler(good)
    assert local.checksumMatches(str(block / "good.root"), _adler(good).lstrip("0").upper())


def test_partial_files_never_end_in_root_and_empty_datablocks_are_removed(tmp_path):
    final = tmp_path / "proj" / "sub00" / "x.root"
    partial = local.partialDir(str(final))
    assert os.path.dirname(partial) == str(final.parent) and not partial.endswith(".root")
    os.makedirs(partial)
    local.clearPartial(str(final))
    assert not os.path.exists(partial)
    local.removeEmptyDirs([str(final.parent)])
    assert os.listdir(tmp_path) == []


def test_batch_directories_are_hidden_and_a_new_download_removes_stale_ones(tmp_path):
    batch = local.batchDir(str(tmp_path))
    name = os.path.basename(batch)
    assert name.startswith(".") and name.endswith(local.PARTIAL_SUFFIX) and not name.endswith(".root")
    (tmp_path / "kept.root").write_bytes(b"x")
    os.makedirs(local.partialDir(str(tmp_path / "a.root")))
    local.clearStalePartials(str(tmp_path))
    assert os.listdir(tmp_path) == ["kept.root"]


def test_replica_choice():
    reps = {"KEK-TMP-SE": "pfn1", "DESY-TMP-SE": "pfn2"}
    assert local.replicaOrder(reps) == ["DESY-TMP-SE", "KEK-TMP-SE"]
    assert local.replicaOrder(reps, "KEK-TMP-SE") == ["KEK-TMP-SE"]
    assert local.replicaOrder(reps, "CNAF-TMP-SE") == []


@pytest.mark.parametrize(
    "lpn, why",
    [
        ("/belle/MC/release-06/x", "official"),
        ("/belle/Data/proc13/x", "official"),
        ("/belle/Raw/e1", "official"),
        ("/belle/collection/Data/c", "official"),
        ("/belle/user/bob/proj", "your own space"),
        ("/belle/user/alice", "whole user space"),
        ("/belle/user/*/proj", "your own space"),
    ],
)
def test_deletion_safety(lpn, why):
    with pytest.raises(policy.PolicyError, match=why):
        policy.checkWritable(lpn, "alice", "delete")


def test_own_and_group_space_are_writable_and_only_tmp_ses():
    for lpn in ["/belle/user/alice/proj", "/belle/user/alice/proj/sub*/x_*.root", "/belle/user/alice/*"]:
        assert policy.checkWritable(lpn, "alice") == lpn
    assert policy.checkWritable("/belle/group/physics/charm/p", "alice")
    assert policy.checkTmpSE("DESY-TMP-SE") == "DESY-TMP-SE"
    with pytest.raises(policy.PolicyError, match="TMP"):
        policy.checkTmpSE("KEK-DATA-SE")


def test_put_target_and_datablock():
    assert policy.splitTarget(f"{B}/sub02", None) == (B, "sub02")
    assert policy.splitTarget(B, "sub01") == (B, "sub01")
    assert policy.splitTarget(B, None) == (B, None)
    for target, block in [(f"{B}/sub02", "sub01"), (B, "block1")]:
        with pytest.raises(policy.PolicyError):
            policy.splitTarget(target, block)


def test_upload_inputs_resume_and_waves(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.root").write_bytes(b"aaa")
    (tmp_path / "d" / ".hidden").write_bytes(b"h")
    (tmp_path / "b.root").write_bytes(b"bbb")
    (tmp_path / "c.root").write_bytes(b"ccc")
    names = upload.localFiles([str(tmp_path / "d"), str(tmp_path / "b.root"), str(tmp_path / "c.root")])
    assert sorted(names) == ["a.root", "b.root", "c.root"]
    registered = {
        f"{B}/sub00/a.root": {"Size": 3, "Checksum": _adler(b"aaa")},
        f"{B}/sub00/b.root": {"Size": 3, "Checksum": "0"},
    }
    skip, conflict, todo = upload.alreadyThere(names, registered)
    assert list(skip) == ["a.root"] and list(conflict) == ["b.root"] and list(todo) == ["c.root"]
    with pytest.raises(ValueError, match="no such file"):
        upload.localFiles([str(tmp_path / "nope")])
    waves = upload.firstPerDatablock({"x": f"{B}/sub00/x", "y": f"{B}/sub00/y", "z": f"{B}/sub01/z"})
    assert waves == [{"x": f"{B}/sub00/x", "z": f"{B}/sub01/z"}, {"y": f"{B}/sub00/y"}]


class FakeCatalog:
    """Answers ``addFile``/``exists`` like the Rucio plugin; records the batches it was given."""

    def __init__(self, refuse=(), down=False, existing=()):
        self.batches, self.refuse, self.down, self.existing = [], set(refuse), down, set(existing)

    def addFile(self, files):
        self.batches.append(sorted(files))
        assert all(set(e) == {"Size", "Checksum", "SE", "GUID", "PFN"} for e in files.values())
        if self.down:
            return {"OK": False, "Message": "Rucio catalog addFile: connection refused"}
        failed = {lfn: "refused by Rucio" for lfn in files if lfn in self.refuse}
        return {"OK": True, "Value": {"Successful": {f: True for f in files if f not in failed}, "Failed": failed}}

    def exists(self, lfns):
        self.batches.append(sorted(lfns))
        return {"OK": True, "Value": {"Successful": {lfn: lfn if lfn in self.existing else False for lfn in lfns},
                                      "Failed": {}}}  # fmt: skip


def test_registration_is_one_bulk_call_per_1000_files_and_says_what_was_stored():
    entry = {"Size": 1, "Checksum": "00020002", "SE": "KEK-TMP-SE", "GUID": None, "PFN": ""}
    stored = {f"{B}/sub{i // 1000:02d}/f{i:05d}.root": dict(entry) for i in range(2500)}
    fc = FakeCatalog(refuse={f"{B}/sub00/f00007.root"})
    results = upload.registerAll(fc, stored, "KEK-TMP-SE")
    assert [len(b) for b in fc.batches] == [1000, 1000, 500]
    assert sorted(lfn for lfn, why in results.items() if why) == [f"{B}/sub00/f00007.root"]
    why = results[f"{B}/sub00/f00007.root"]
    assert "stored at KEK-TMP-SE but not registered" in why and "refused by Rucio" in why and "run the same" in why
    down = upload.registerAll(FakeCatalog(down=True), {f"{B}/sub00/a.root": entry}, "KEK-TMP-SE")
    assert "connection refused" in down[f"{B}/sub00/a.root"] and "not registered" in down[f"{B}/sub00/a.root"]


def test_small_files_share_putfile_calls_big_ones_do_not_and_every_thread_gets_work():
    targets = {f"f{i:03d}": f"{B}/sub00/f{i:03d}" for i in range(100)}
    small = upload.batches(targets, dict.fromkeys(targets, 10_000), threads=8)
    assert sum(map(len, small)) == 100 and max(map(len, small)) == 13 and len(small) == 8
    assert len(upload.batches(dict(list(targets.items())[:5]), dict.fromkeys(targets, 1), threads=8)) == 5
    big = upload.batches(targets, dict.fromkeys(targets, 2 << 30), threads=8)
    assert len(big) == 100


def test_put_registers_only_what_was_stored_in_one_call(tmp_path, monkeypatch):
    class FakeSE:
        def __init__(self, name):
            self.name = name

        def putFile(self, files):
            bad = {lfn: "No space left on device" for lfn in files if lfn.endswith("bad.root")}
            return {"OK": True, "Value": {"Successful": {lfn: os.path.getsize(p) for lfn, p in files.items()
                                                         if lfn not in bad}, "Failed": bad}}  # fmt: skip

        def getURL(self, lfns, protocol=None):
            return {
                "OK": True,
                "Value": {"Successful": {lfn: f"file://{self.name}{lfn}" for lfn in lfns}, "Failed": {}},
            }

    fc = FakeCatalog()
    helpers = types.SimpleNamespace(getRegistrationProtocols=lambda: ["file"])
    fakes = {  # stand-ins for the DIRAC modules putAll imports (no configuration, no server)
        "DIRAC.Resources.Storage.StorageElement": {"StorageElement": FakeSE},
        "DIRAC.Resources.Catalog.FileCatalog": {"FileCatalog": lambda: fc},
        "DIRAC.DataManagementSystem.Utilities.DMSHelpers": {"DMSHelpers": lambda: helpers},
    }
    for name, attrs in fakes.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        monkeypatch.setitem(sys.modules, name, module)
    paths = {}
    for name in ("a.root", "b.root", "bad.root"):
        (tmp_path / name).write_bytes(name.encode())
        paths[name] = str(tmp_path / name)
    results = upload.putAll({n: f"{B}/sub00/{n}" for n in paths}, paths, "KEK-TMP-SE", threads=4)
    assert results[f"{B}/sub00/a.root"] is None and results[f"{B}/sub00/b.root"] is None
    assert results[f"{B}/sub00/bad.root"] == "not uploaded: No space left on device"
    assert fc.batches[-1] == [f"{B}/sub00/a.root", f"{B}/sub00/b.root"], "one addFile, never the failed upload"


def test_lfns_already_in_the_catalog_are_not_overwritten():
    fc = FakeCatalog(existing={f"{B}/sub00/a.root"})
    assert list(upload.taken(fc, [f"{B}/sub00/a.root", f"{B}/sub00/b.root"])) == [f"{B}/sub00/a.root"]


def test_replication_status_rows():
    summaries = {
        "r2": {"LFN": f"{B}/sub01", "RSEExpression": "KEK-TMP-SE", "State": "STUCK", "LocksOK": 1, "LocksStuck": 2,
               "LocksReplicating": 0, "Error": "no space"},
        "r1": {"LFN": f"{B}/sub00", "RSEExpression": "DESY-TMP-SE", "State": "REPLICATING", "LocksOK": 3,
               "LocksReplicating": 7, "LocksStuck": 0},
    }  # fmt: skip
    rows = rules.statusRows(summaries)
    assert [(r["LPN"], r["State"], r["FilesOK"], r["FilesTotal"]) for r in rows] == [
        (f"{B}/sub00", "REPLICATING", 3, 10),
        (f"{B}/sub01", "STUCK", 1, 3),
    ]
    assert rules.targetsOf(B, [f"{B}/sub00/a", f"{B}/sub01/b", f"{B}/sub00/c"]) == [f"{B}/sub00", f"{B}/sub01"]
    assert rules.targetsOf(f"{B}/sub00/a", [f"{B}/sub00/a"]) == [f"{B}/sub00/a"]


def test_search_options_become_a_metadata_query():
    q = search.metaQuery(
        {"data_type": "MC", "campaign": "MC15rd_b", "experiment": "7-12", "run": "5", "bkg_level": None}
    )
    assert q == {"dataType": "mc", "campaign": "MC15rd_b", "experiment": [7, 12], "run": 5}
    for bad in [{}, {"experiment": "x"}, {"run": "9-3"}]:
        with pytest.raises(search.SearchError):
            search.metaQuery(bad)


def test_listing_render():
    rows = [
        {"Path": f"{B}/sub00", "Type": "Directory", "Size": 1234, "Files": 2, "SEs": ["KEK-TMP-SE"]},
        {"Path": f"{B}/sub01", "Type": "Directory", "Size": 5, "Files": 1, "SEs": []},
    ]
    assert listing.render(rows, False, False) == f"{B}/sub00\n{B}/sub01"
    assert listing.render(rows, True, True).splitlines() == [
        f"{B}/sub00   1234  (2 files)   KEK-TMP-SE",
        f"{B}/sub01      5  (1 files)   -",
    ]
