"""B2RucioDataManagement against the live Rucio server: rules completed by Rucio's daemons, datasets with
their replicas, dataset search by metadata, LFN assignment, and what it refuses."""

from __future__ import annotations

import textwrap
import uuid

import pytest

from b2stack import rucio

DM = "from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement\ndm = B2RucioDataManagement()\n"


def with_dm(client, code: str, timeout: float = 120):
    """Run ``code`` as ``client`` with ``dm``, a B2RucioDataManagement, defined."""
    return client.python(DM + textwrap.dedent(code), timeout=timeout)


@pytest.fixture(scope="module")
def dataset(analyst, tmp_path_factory):
    """Three files of b2analyst put on KEK-TMP-SE and registered (in ``<dataset>/sub00``) the DIRAC way."""
    token = uuid.uuid4().hex[:10]
    base = f"/belle/user/b2analyst/dm-{token}"
    src = tmp_path_factory.mktemp("dm")
    for i in range(3):
        (src / f"f{i}.root").write_bytes(f"{token} file {i}\n".encode() * (i + 1))
    result = analyst.python(f"""
        from DIRAC.DataManagementSystem.Client.DataManager import DataManager
        dm = DataManager()
        result = [dm.putAndRegister("{base}/sub00/f%d.root" % i, "{src}/f%d.root" % i, "KEK-TMP-SE") for i in range(3)]
        """)
    for res in result:
        assert res["OK"] and not res["Value"]["Failed"], res
    return base


def test_rule_to_a_destination_is_completed_by_rucio_and_idempotent(analyst, dataset):
    block = f"{dataset}/sub00"
    result = with_dm(
        analyst,
        f"""
        import time
        first = dm.addRules("{block}", "DESY-TMP-SE")
        again = dm.addRules(["{block}"], ["DESY-TMP-SE"])
        ruleID = first["Value"]["Successful"]["{block}"]
        deadline = time.time() + 180
        while time.time() < deadline:
            state = dm.getRules(ruleID)["Value"]["Successful"][ruleID]
            if state["State"] == "OK":
                break
            time.sleep(3)
        files = dm.getDatasetFiles(["{block}", "{dataset}", "{dataset}/sub07"])
        result = dict(first=first, again=again, state=state, files=files)
        """,
        timeout=240,
    )
    assert result["first"]["OK"] and result["first"]["Value"]["Failed"] == {}, result["first"]
    ruleID = result["first"]["Value"]["Successful"][block]
    assert result["again"]["Value"]["Successful"] == {block: ruleID}, "a retry must find the same rule"
    state = result["state"]
    assert state["State"] == "OK" and state["LocksOK"] == 3 and state["Account"] == "b2analyst", state
    files = result["files"]["Value"]
    assert sorted(files["Successful"][block]) == [f"{block}/f{i}.root" for i in range(3)]
    for lfn, info in files["Successful"][block].items():
        assert set(info["Replicas"]) == {"KEK-TMP-SE", "DESY-TMP-SE"} and len(info["Checksum"]) == 8, info
        copy = rucio.rse_prefix("DESY-TMP-SE") + lfn.lstrip("/")
        with open(copy, "rb") as fh:
            assert fh.read().startswith(dataset.rsplit("-", 1)[1].encode()), "Rucio's copy must be the bytes"
    assert "not a dataset" in files["Failed"][dataset] and "No such file" in files["Failed"][f"{dataset}/sub07"]


def test_find_datasets_by_metadata_and_assign_lfns(analyst, dataset):
    result = with_dm(
        analyst,
        f"""
        from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
        meta = FileCatalog().setMetadata("{dataset}", {{"campaign": "MC15ri", "experimentLow": 10, "experimentHigh": 12}})
        hit = dm.findDatasets({{"campaign": "MC15ri", "experiment": [12, 20]}}, "{dataset}")
        miss = dm.findDatasets({{"campaign": "MC15ri", "experiment": [13, 20]}}, "{dataset}")
        bad = dm.findDatasets({{"experiment": "twelve"}}, "{dataset}")
        names = ["g%d.root" % i for i in range(1002)]
        assigned = dm.assignLFNs("{dataset}", names)
        refused = [dm.assignLFNs("{dataset}", ["../x.root"]), dm.assignLFNs("/etc", ["a"]), dm.assignLFNs("{dataset}", ["a", "a"])]
        result = dict(meta=meta, hit=hit, miss=miss, bad=bad, assigned=assigned, refused=refused)
        """,
    )
    assert result["meta"]["OK"], result["meta"]
    assert result["hit"]["Value"] == [f"{dataset}/sub00"], "container metadata reaches the datablocks below it"
    assert result["miss"]["Value"] == []
    assert not result["bad"]["OK"] and "experiment" in result["bad"]["Message"]
    assigned = result["assigned"]["Value"]
    # sub00 already holds 3 files: 997 more fill it, the next 5 open sub01
    assert sum(v.startswith(f"{dataset}/sub00/") for v in assigned.values()) == 997
    assert assigned["g1001.root"] == f"{dataset}/sub01/g1001.root"
    assert all(not r["OK"] for r in result["refused"]), result["refused"]


def test_bad_destinations_unknown_files_and_other_users_rules(analyst, analyst2, dataset):
    block = f"{dataset}/sub00"
    result = with_dm(
        analyst,
        f"""
        wildcard = dm.addRules("{block}", "*")
        unknown = dm.addRules(["{dataset}/sub09", "/belle/../etc/passwd"], "DESY-TMP-SE")
        nose = dm.addRules("{block}", "NO-SUCH-SE")
        ruleID = dm.addRules("{block}", "CNAF-TMP-SE", lifetime=3600)["Value"]["Successful"]["{block}"]
        result = dict(wildcard=wildcard, unknown=unknown, nose=nose, ruleID=ruleID)
        """,
    )
    assert not result["wildcard"]["OK"] and "not an SE name" in result["wildcard"]["Message"]
    failed = result["unknown"]["Value"]["Failed"]
    assert set(failed) == {f"{dataset}/sub09", "/belle/../etc/passwd"} and not result["unknown"]["Value"]["Successful"]
    assert "RSE" in result["nose"]["Value"]["Failed"][block], result["nose"]
    ruleID = result["ruleID"]
    other = with_dm(analyst2, f"result = dm.removeRules('{ruleID}')")
    assert other["Value"]["Failed"].get(ruleID), "another user must not drop b2analyst's rule"
    mine = with_dm(analyst, f"result = [dm.removeRules('{ruleID}'), dm.getRules('{ruleID}')]")
    assert mine[0]["Value"]["Successful"] == {ruleID: True}
    state = mine[1]["Value"]
    assert ruleID in state["Failed"] or state["Successful"][ruleID]["ExpiresAt"], state
