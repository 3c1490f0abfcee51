"""The Belle II TransformationPlugin, built as DIRAC's own plugin tests do (mocked clients, parameters and
replicas given to it), and loaded the way the TransformationAgent loads ``PluginLocation``."""

import json
from importlib import import_module
from unittest.mock import MagicMock

import pytest
from DIRAC.TransformationSystem.Agent.TransformationPlugin import TransformationPlugin as DIRACPlugin

from BelleDIRAC.TransformationSystem.Agent.TransformationPlugin import TransformationPlugin

LOCATION = "BelleDIRAC.TransformationSystem.Agent.TransformationPlugin"
DS = "/belle/MC/release-08/DB1/prod1/s00/e1003/4S/r00000/uubar/mdst"
PARAMS = {"TransformationID": 1080, "GroupSize": 2, "Status": "Active", "Type": "Merge"}
USAGE = {"DESY-SE": [80, 100], "KEK-SE": [10, 100], "BNL-SE": [30, 100]}


def lfn(block: str, i: int) -> str:
    return f"{DS}/{block}/f_{i:05d}.root"


def makePlugin(name, data, cls=TransformationPlugin, files=None, **params):
    plugin = cls(name, transClient=MagicMock(), dataManager=MagicMock(), fc=MagicMock())
    plugin.setParameters({**PARAMS, **params})
    plugin.setInputData(data)
    if files is not None:
        plugin.setTransformationFiles(files)
    return plugin


def test_agent_import_exposes_belle_and_dirac_plugins():
    cls = import_module(LOCATION).TransformationPlugin
    plugin = cls("BelleDatablock", transClient=MagicMock(), dataManager=MagicMock(), fc=MagicMock())
    assert issubclass(cls, DIRACPlugin)
    assert callable(plugin._BelleDatablock) and callable(plugin._BelleDestination)
    data = {"/this/is/at.1": ["SE1"], "/this/is/at.12": ["SE1", "SE2"], "/this/is/also/at.12": ["SE1", "SE2"]}
    res = makePlugin("Standard", data, cls=cls, Status="Flush", GroupSize=10).run()
    assert res["OK"]
    assert [(se, sorted(lfns)) for se, lfns in res["Value"]] == [
        ("SE1", ["/this/is/at.1"]),
        ("SE1,SE2", ["/this/is/also/at.12", "/this/is/at.12"]),
    ]
    res = makePlugin("NoSuchPlugin", data, cls=cls).run()
    assert not res["OK"] and res["Message"] == "Plugin not found"


def test_datablock_tasks_stay_in_one_block_and_target_common_SEs():
    data = {
        lfn("sub00", 0): ["KEK-SE", "DESY-SE"],
        lfn("sub00", 1): ["KEK-SE"],
        lfn("sub00", 2): ["DESY-SE"],
        lfn("sub00", 3): ["BNL-SE"],
        lfn("sub01", 0): ["KEK-SE", "BNL-SE"],
        lfn("sub01", 1): ["BNL-SE", "KEK-SE"],
    }
    res = makePlugin("BelleDatablock", data).run()
    assert res["OK"]
    assert res["Value"] == [
        ("KEK-SE", [lfn("sub00", 0), lfn("sub00", 1)]),
        ("Unknown", [lfn("sub00", 2), lfn("sub00", 3)]),  # no SE holds both
        ("BNL-SE,KEK-SE", [lfn("sub01", 0), lfn("sub01", 1)]),
    ]


def test_short_tasks_wait_unless_flushed_or_block_closed():
    data = {lfn("sub00", i): ["KEK-SE"] for i in range(3)}
    assert makePlugin("BelleDatablock", data).run()["Value"] == [("KEK-SE", [lfn("sub00", 0), lfn("sub00", 1)])]
    flushed = makePlugin("BelleDatablock", data, Status="Flush").run()["Value"]
    assert flushed[-1] == ("KEK-SE", [lfn("sub00", 2)])
    data[lfn("sub01", 0)] = ["KEK-SE"]  # sub00 is closed now; sub01 is still open
    tasks = makePlugin("BelleDatablock", data).run()["Value"]
    assert [lfns for _se, lfns in tasks] == [[lfn("sub00", 0), lfn("sub00", 1)], [lfn("sub00", 2)]]


def test_group_size_defaults_to_a_full_datablock_and_strays_are_left_out():
    data = {lfn("sub00", i): ["KEK-SE"] for i in range(1000)}
    data["/belle/MC/loose.root"] = ["KEK-SE"]
    params = {k: v for k, v in PARAMS.items() if k != "GroupSize"}
    plugin = TransformationPlugin("BelleDatablock", transClient=MagicMock(), dataManager=MagicMock(), fc=MagicMock())
    plugin.setParameters(params)
    plugin.setInputData(data)
    res = plugin.run()
    assert res["OK"] and len(res["Value"]) == 1 and len(res["Value"][0][1]) == 1000


def destination(data, files=None, **params):
    base = {"DestinationSEs": "DESY-SE, KEK-SE,BNL-SE", "SEUsage": json.dumps(USAGE)}
    return makePlugin("BelleDestination", data, files=files, **{**base, **params}).run()


def test_destination_picks_best_weighted_free_space():
    data = {lfn("sub00", i): ["DESY-SE"] for i in range(4)}
    res = destination(data)
    assert res["OK"] and [se for se, _l in res["Value"]] == ["KEK-SE", "KEK-SE"]
    res = destination(data, SEWeights=json.dumps({"BNL-SE": 2.0}), SEUsage=USAGE)  # already a dict is fine
    assert [se for se, _l in res["Value"]] == ["BNL-SE", "BNL-SE"]


def test_destination_accounts_for_file_sizes_of_placed_tasks():
    data = {lfn("sub00", i): ["DESY-SE"] for i in range(4)}
    files = [{"LFN": name, "FileSize": 20} for name in data]
    res = destination(data, files=files, DestinationSEs="KEK-SE,BNL-SE")
    # KEK 0.9 free -> takes 40 bytes -> 0.5 free; BNL (0.7) is now better
    assert [se for se, _l in res["Value"]] == ["KEK-SE", "BNL-SE"]
    res = destination(data, files=files, DestinationSEs="KEK-SE", MaxFill=0.4)
    assert res["OK"] and [se for se, _l in res["Value"]] == ["KEK-SE"]  # the second task fits nowhere: waits


def test_destination_errors_are_explicit():
    data = {lfn("sub00", i): ["DESY-SE"] for i in range(2)}
    res = destination(data, DestinationSEs="DESY-SE,CERN-SE", MaxFill=0.8)  # DESY at 80%, CERN unknown
    assert not res["OK"] and "no destination SE fits" in res["Message"] and "CERN-SE,DESY-SE" in res["Message"]
    res = destination(data, DestinationSEs="")
    assert not res["OK"] and "DestinationSEs" in res["Message"]
    res = destination(data, SEUsage="{not json")
    assert not res["OK"] and "SEUsage" in res["Message"]
    res = destination(data, SEUsage=json.dumps({"KEK-SE": 5}))
    assert not res["OK"] and "SEUsage" in res["Message"]
    res = destination(data, SEWeights="[1, 2]")
    assert not res["OK"] and "SEWeights" in res["Message"]


@pytest.mark.parametrize("name", ["BelleDatablock", "BelleDestination"])
def test_no_input_no_tasks(name):
    res = destination({}) if name == "BelleDestination" else makePlugin(name, {}).run()
    assert res == {"OK": True, "Value": []}
