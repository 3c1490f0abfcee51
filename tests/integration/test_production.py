"""The production system on the live stack: a production manager defines a small MC production and the
agents run it to the end: scouts, submission, jobs writing real files into SEs and Rucio, merge, Completed.
Also the guards (wrong destination SE, the same production twice) and who may do what.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from urllib.parse import urlparse

import pytest

RELEASE = "light-2511-gacrux"
STEERING = """\
import basf2
path = basf2.create_path()
path.add_module("EventInfoSetter")
path.add_module("RootOutput", outputFileName="mc.mdst.root")
basf2.process(path)
"""


def definition(tmp_path, steering: str = STEERING, **over) -> str:
    token = uuid.uuid4().hex[:8]
    (tmp_path / "steer.py").write_text(steering + f"# {token}\n")
    data = {"name": f"mc-test-{token}", "type": "MCGeneration", "campaign": "MCtest", "release": RELEASE,
            "steering": "steer.py", "events": 25, "events_per_job": 10, "priority": 5,
            "output": {"data_tier": "mdst", "se": "KEK-TMP-SE", "destinations": []}}  # fmt: skip
    for key, value in over.items():
        if key == "output":
            data["output"].update(value)
        else:
            data[key] = value
    path = tmp_path / f"prod-{token}.json"
    path.write_text(json.dumps(data))
    return str(path)


def prod_status(client, prodID: int) -> dict:
    proc = client.run("belle-prod-status", str(prodID), "--json", check=True)
    return json.loads(proc.stdout)


def wait_prod(client, prodID: int, states: set[str], timeout: float = 420) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = prod_status(client, prodID)
        if status["Production"]["Status"] in states or time.monotonic() > deadline:
            return status
        time.sleep(5)


def add(client, path: str, *extra: str):
    return client.run("belle-prod-add", path, "--json", *extra, timeout=180)


@pytest.mark.integration
def test_mc_production_runs_from_definition_to_completed(prodmgr, analyst, tmp_path):
    path = definition(tmp_path, output={"destinations": ["DESY-TMP-SE"]})
    assert prodmgr.run("belle-prod-validate", path).returncode == 0
    proc = add(prodmgr, path, "--start")
    assert proc.returncode == 0, proc.stderr
    prodID = json.loads(proc.stdout)["ProductionID"]
    status = wait_prod(prodmgr, prodID, {"Completed", "Failed"})
    prod = status["Production"]
    assert prod["Status"] == "Completed", status
    assert status["Tasks"]["TransformationID"] == {"Done": 3}
    assert status["Tasks"]["MergeTransformationID"] == {"Done": 1}
    # bookkeeping: three job outputs in sub00 (events 10, 10, 5), merged into one file that names them
    rows = prodmgr.python(
        "from BelleDIRAC.ProductionSystem.Client.ProductionClient import ProductionClient\n"
        f"result = ProductionClient().getOutputs({prodID}, {{}})['Value']"
    )
    produced = [r for r in rows if r["TransformationID"] == prod["TransformationID"]]
    merged = [r for r in rows if r["TransformationID"] == prod["MergeTransformationID"]]
    assert len(produced) == 3 and all(r["Merged"] for r in produced)
    assert len(merged) == 1 and sorted(merged[0]["InputLFNs"]) == sorted(r["OutputLFN"] for r in produced)
    assert all(r["OutputLFN"].startswith(prod["OutputPath"] + "/sub00/") for r in produced)
    # the files are in Rucio and on the SE: an analyst can list and download them
    listing = analyst.run("gb2_ds_list", prod["OutputPath"] + "/sub00", check=True)
    assert len([line for line in listing.stdout.splitlines() if line.strip().endswith(".root")]) == 3
    got = analyst.run("gb2_ds_get", merged[0]["OutputLFN"], "--force", cwd=tmp_path, timeout=180)
    assert got.returncode == 0, got.stderr
    # Rucio takes the merged datablock to its destination
    deadline = time.monotonic() + 180
    while True:
        rules = prodmgr.python(f"""
            from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement
            result = B2RucioDataManagement().listRules({[merged[0]["Datablock"]]!r})["Value"]["Successful"]
            """)[merged[0]["Datablock"]]
        if [r["State"] for r in rules] == ["OK"] or time.monotonic() > deadline:
            break
        time.sleep(5)
    assert [(r["RSEExpression"], r["State"]) for r in rules] == [("DESY-TMP-SE", "OK")], rules
    merged_file = next(tmp_path.rglob("merged_*.root"))
    lines = [line for line in merged_file.read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == 25  # every generated event made it through the merge
    # cleaning removes every output from the SE and from Rucio, and the jobs from the WMS
    lfns = [r["OutputLFN"] for r in rows]
    pfns = prodmgr.python(f"""
        from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
        reps = FileCatalog().getReplicas({lfns!r})["Value"]["Successful"]
        result = [pfn for se_pfn in reps.values() for pfn in se_pfn.values()]
        """)
    assert len(pfns) == 5 and all(os.path.exists(urlparse(p).path) for p in pfns), pfns
    assert prodmgr.run("belle-prod-clean", str(prodID)).returncode == 0
    assert wait_prod(prodmgr, prodID, {"Cleaned"}, timeout=180)["Production"]["Status"] == "Cleaned"
    assert not any(os.path.exists(urlparse(p).path) for p in pfns)
    left = prodmgr.python(f"""
        from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement
        result = B2RucioDataManagement().listRules({[merged[0]["Datablock"]]!r})["Value"]
        """)
    # no rule outlives the data it placed: Rucio deletes a rule softly (it expires within the hour)
    assert all(r["ExpiresAt"] for rules in left["Successful"].values() for r in rules), left
    gone = analyst.run("gb2_ds_list", prod["OutputPath"] + "/sub00")
    assert not [line for line in gone.stdout.splitlines() if line.strip().endswith(".root")], gone.stdout


@pytest.mark.integration
def test_failing_steering_fails_validation_and_nothing_is_submitted(prodmgr, tmp_path):
    path = definition(tmp_path, steering="import basf2\nbasf2.B2FATAL('broken steering')\n")
    proc = add(prodmgr, path, "--start")
    assert proc.returncode == 0, proc.stderr
    prodID = json.loads(proc.stdout)["ProductionID"]
    status = wait_prod(prodmgr, prodID, {"Failed", "Active", "Completed"}, timeout=300)
    assert status["Production"]["Status"] == "Failed"
    assert "scouts failed" in status["Production"]["Reason"]
    assert "basf2 failed" in status["Production"]["Reason"]
    assert set(status["Tasks"]["TransformationID"]) == {"Created"}  # no task ever became a job


@pytest.mark.integration
def test_same_production_twice_is_refused(prodmgr, tmp_path):
    path = definition(tmp_path)
    first = add(prodmgr, path)
    assert first.returncode == 0, first.stderr
    prodID = json.loads(first.stdout)["ProductionID"]
    # another name, another priority: still the same production (it would overwrite the same outputs)
    data = json.loads(open(path).read())
    data.update(name=data["name"] + "-again", priority=9)
    again = tmp_path / "again.json"
    again.write_text(json.dumps(data))
    proc = add(prodmgr, str(again))
    assert proc.returncode == 4
    assert f"the same production already exists: {prodID}" in proc.stderr


@pytest.mark.integration
@pytest.mark.parametrize(
    "output,message",
    [
        ({"se": "CNAF-TMP-SE"}, "not allowed for data tier mdst"),
        ({"se": "NO-SUCH-SE"}, "NO-SUCH-SE"),
        ({"destinations": ["CNAF-TMP-SE"]}, "CNAF-TMP-SE"),
    ],
)
def test_wrong_destination_se_is_refused(prodmgr, tmp_path, output, message):
    proc = add(prodmgr, definition(tmp_path, output=output))
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "refused" in proc.stderr and message in proc.stderr


@pytest.mark.integration
def test_analyst_reads_but_may_not_add_or_start(prodmgr, analyst, tmp_path):
    path = definition(tmp_path)
    proc = add(analyst, path)
    assert proc.returncode == 4 and "Permission denied" in proc.stderr and "-g belle_prod" in proc.stderr
    prodID = json.loads(add(prodmgr, path).stdout)["ProductionID"]
    started = analyst.run("belle-prod-start", str(prodID))
    assert started.returncode == 4 and "Permission denied" in started.stderr
    assert prod_status(analyst, prodID)["Production"]["Status"] == "New"
    # nor take tasks, record failures or bookkeeping behind the agents' backs
    refused = analyst.python(f"""
        from BelleDIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
        client = ProductionClient()
        result = [client.claimTasks({prodID}, 1), client.setMerged(["/belle/MC/x"]),
                  client.failBelleProduction({prodID}, "mine")]
        """)
    assert all(not r["OK"] and "Permission denied" in r["Message"] for r in refused), refused
    listed = analyst.run("belle-prod-list", "--json", check=True)
    assert prodID in [p["ProductionID"] for p in json.loads(listed.stdout)]
