"""Belle II naming: LFN validity, the LFN -> Rucio DID rule, and datablocks of at most 1000 files."""

import pytest

from BelleDIRAC.Resources.Catalog.lfn_naming import (
    LFNError,
    assignDatablocks,
    containersAbove,
    datablockOf,
    lfnToDID,
    scopeOf,
    validateLFN,
)

MDST = "/belle/MC/release-08-00-00/DB00002100/MC15ri_b/prod00029583/s00/e1003/4S/r00000/uubar/mdst/sub00/f.root"


@pytest.mark.parametrize(
    "lfn,scope",
    [
        (MDST, "mc"),
        ("/belle/MC/skim/x/sub00/f.root", "mc_tmp"),
        ("/belle/MC/weird/x.root", "mc_tmp"),
        ("/belle/Data/release-06-00-08/DB00001363/proc13/x/sub00/f.root", "data"),
        ("/belle/Data/proc/release-07-00-00/x.root", "data"),
        ("/belle/Data/proc/proc10/x.root", "data_tmp"),
        ("/belle/Data/fab/x.root", "data_tmp"),
        ("/belle/Raw/e0026/r01234/sub00/raw.root", "raw"),
        ("/belle/hRaw/e0026/x.root", "hraw"),
        ("/belle/user/alice/proj/sub00/f.root", "user"),
        ("/belle/group/physics/charm/x.root", "group"),
        ("/belle/collection/c1", "collection"),
        ("/belle/BG/x.root", "data"),
        ("/belle/mock/x.root", "mock"),
        ("/belle/ddm/tests/x.root", "test"),
        ("/belle/something/else.root", "other"),
    ],
)
def test_scope_follows_the_belle_ii_convention(lfn, scope):
    assert scopeOf(lfn) == scope


def test_personal_scopes_are_used_where_they_exist():
    scopes = {"user.alice", "group.charm"}
    assert scopeOf("/belle/user/alice/proj/sub00/f.root", scopes) == "user.alice"
    assert scopeOf("/belle/user/a/alice/proj/sub00/f.root", scopes) == "user.alice"
    assert scopeOf("/belle/user/bob/proj/sub00/f.root", scopes) == "user"
    assert scopeOf("/belle/group/physics/charm/x.root", scopes) == "group.charm"


def test_did_name_is_the_whole_lfn():
    assert lfnToDID("LFN:" + MDST) == ("mc", MDST)


@pytest.mark.parametrize(
    "lfn",
    ["/belle/../etc/passwd", "/atlas/x", "belle/x", "/belle/a//b", "/belle/a/", "/belle/a b", "/belle/" + "x" * 1100],
)
def test_invalid_lfns_are_refused(lfn):
    with pytest.raises(LFNError):
        lfnToDID(lfn)


def test_validate_returns_the_bare_path():
    assert validateLFN("lfn:/belle/user/u/x.root") == "/belle/user/u/x.root"


def test_datablock_of_a_file():
    assert datablockOf(MDST) == MDST.rsplit("/", 1)[0]
    assert datablockOf("/belle/user/u/proj/f.root") is None


def test_the_1001st_file_opens_the_next_datablock():
    ds = "/belle/user/u/proj"
    assert assignDatablocks(ds, {}, 3) == [f"{ds}/sub00"] * 3
    placed = assignDatablocks(ds, {f"{ds}/sub00": 999}, 3)
    assert placed == [f"{ds}/sub00", f"{ds}/sub01", f"{ds}/sub01"]
    big = assignDatablocks(ds, {}, 2500)
    assert [big.count(f"{ds}/sub{i:02d}") for i in range(3)] == [1000, 1000, 500]


def test_closed_datablocks_are_not_reopened():
    ds = "/belle/user/u/proj"
    assert assignDatablocks(ds, {f"{ds}/sub00": 10, f"{ds}/sub01": 1000}, 1) == [f"{ds}/sub02"]


def test_containers_above_a_datablock():
    assert containersAbove("/belle/user/u/proj/sub00") == [
        "/belle",
        "/belle/user",
        "/belle/user/u",
        "/belle/user/u/proj",
    ]
