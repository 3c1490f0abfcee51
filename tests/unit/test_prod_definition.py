"""Production definitions: schema, type rules, LFN checks, output layout, fingerprint and SE checks."""

import json

import pytest

from BelleDIRAC.ProductionSystem.Utilities import definition as D
from BelleDIRAC.Resources.Catalog.lfn_naming import scopeOf, validateLFN


def mc(**extra):
    defn = {
        "name": "mc15_ccbar",
        "type": "MCGeneration",
        "campaign": "MC15ri",
        "release": "light-2403-persian",
        "steering": "steer.py",
        "events": 1050,
        "events_per_job": 100,
        "output": {"data_tier": "mdst", "se": "KEK2-SE"},
    }
    return defn | extra


def skim(**extra):
    defn = mc(type="Skim", name="skim_tau", input={"datasets": ["/belle/Data/release-08/proc16/mdst"]})
    del defn["events"], defn["events_per_job"]
    return defn | extra


def problems(data, **kw):
    with pytest.raises(D.DefinitionError) as exc:
        D.validate(data, **kw)
    return exc.value.problems, str(exc.value)


def test_mc_defaults_filled_and_input_not_mutated():
    data = mc()
    defn = D.validate(data)
    assert (defn["priority"], defn["max_attempts"], defn["merge"]) == (5, 3, True)
    assert defn["output"]["destinations"] == [] and "files_per_job" not in defn
    assert "destinations" not in data["output"] and "priority" not in data


def test_input_type_defaults_and_lfn_prefix_stripped():
    defn = D.validate(skim(input={"datasets": ["LFN:/belle/Data/release-08/x"]}))
    assert (defn["files_per_job"], defn["merge"]) == (1, False)
    assert defn["input"]["datasets"] == ["/belle/Data/release-08/x"]


def test_explicit_values_kept():
    defn = D.validate(mc(priority=9, merge=False, max_attempts=1, cpu_time=3600))
    assert (defn["priority"], defn["merge"], defn["max_attempts"], defn["cpu_time"]) == (9, False, 1, 3600)


def test_typo_refused_at_every_level():
    data = mc(prioriy=3)
    data["output"] = {"data_tier": "mdst", "se": "KEK2-SE", "destination": ["X"]}
    found, _ = problems(data)
    assert any(p.startswith("$: ") and "'prioriy' was unexpected" in p for p in found)
    assert any(p.startswith("$.output: ") and "'destination' was unexpected" in p for p in found)


def test_all_errors_collected_with_paths():
    found, message = problems(mc(name="x", priority=11, events=0, output={"data_tier": "aod", "se": "KEK"}))
    paths = sorted(p.split(":")[0] for p in found)
    assert paths == ["$.events", "$.name", "$.output.data_tier", "$.priority"]
    assert message.startswith("4 problems in the production definition:\n  $.")
    assert "'x' does not match" in message


def test_single_problem_message_is_the_problem():
    found, message = problems(mc(priority=0))
    assert message == found[0] == "$.priority: 0 is less than the minimum of 1"


@pytest.mark.parametrize("missing", ["name", "campaign", "release", "steering", "output", "type"])
def test_required_fields(missing):
    data = mc()
    del data[missing]
    found, _ = problems(data)
    assert f"$: '{missing}' is a required property" in found


def test_mc_needs_events_and_refuses_input():
    data = mc(input={"datasets": ["/belle/a"]}, files_per_job=2)
    del data["events"]
    found, _ = problems(data)
    assert "$: 'events' is a required property for type MCGeneration" in found
    assert "$.input: not allowed for type MCGeneration" in found
    assert "$.files_per_job: not allowed for type MCGeneration" in found


def test_input_types_need_input_and_refuse_events():
    data = skim(events=10)
    del data["input"]
    found, _ = problems(data)
    assert found == ["$: 'input' is a required property for type Skim", "$.events: not allowed for type Skim"]


@pytest.mark.parametrize("inp", [{}, {"datasets": ["/belle/a"], "query": {"a": 1}}])
def test_input_exactly_one_of_datasets_or_query(inp):
    found, _ = problems(skim(input=inp))
    assert "$.input: give exactly one of 'datasets' or 'query'" in found


def test_query_input_and_files_per_job_range():
    assert D.validate(skim(input={"query": {"dataLevel": "mdst", "exp": 26}}))["input"]["query"]["exp"] == 26
    found, _ = problems(skim(files_per_job=1001))
    assert found == ["$.files_per_job: 1001 is greater than the maximum of 1000"]


def test_bad_lfns_refused_with_index():
    found, _ = problems(skim(input={"datasets": ["/belle/ok", "/atlas/x", "/belle/a/../b"]}))
    assert found[0].startswith("$.input.datasets[1]: LFN '/atlas/x' not below /belle/")
    assert found[1].startswith("$.input.datasets[2]: ") and "normalized" in found[1]


def test_release_cannot_be_dots():
    found, _ = problems(mc(release=".."))
    assert found[0].startswith("$.release: '..' does not match")


def test_steering_resolved_against_base_dir(tmp_path):
    (tmp_path / "steer.py").write_text("import basf2")
    assert D.validate(mc(), baseDir=str(tmp_path))["steering"] == str(tmp_path / "steer.py")
    assert D.validate(mc(steering=str(tmp_path / "steer.py")), baseDir="/elsewhere")["steering"] == str(
        tmp_path / "steer.py"
    )
    assert D.validate(mc())["steering"] == "steer.py"  # no baseDir: untouched, not checked


def test_missing_steering_reported_with_other_problems(tmp_path):
    found, _ = problems(mc(steering="nope.py", priority=0), baseDir=str(tmp_path))
    assert f"$.steering: steering file not found: {tmp_path / 'nope.py'}" in found and len(found) == 2
    (tmp_path / "dir.py").mkdir()
    assert "steering file not found" in problems(mc(steering="dir.py"), baseDir=str(tmp_path))[1]


def test_not_a_mapping():
    assert problems(["a"])[1] == "$: a production definition must be a mapping of fields"


def test_schema_is_valid_draft_2020_12():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(D.SCHEMA)
    assert D.SCHEMA["properties"]["output"]["properties"]["data_tier"]["enum"] == list(D.DATA_TIERS)


def test_load_yaml_and_json(tmp_path):
    (tmp_path / "steer.py").write_text("")
    (tmp_path / "p.yaml").write_text(
        "name: mc15_ccbar\ntype: MCGeneration\ncampaign: MC15ri\nrelease: release-08-00-00\nsteering: steer.py\n"
        "events: 10\nevents_per_job: 5\noutput: {data_tier: mdst, se: KEK2-SE}\n"
    )
    assert D.load(str(tmp_path / "p.yaml"))["steering"] == str(tmp_path / "steer.py")
    (tmp_path / "p.json").write_text(json.dumps(mc()))
    assert D.load(str(tmp_path / "p.json"))["events"] == 1050


def test_load_errors(tmp_path):
    (tmp_path / "p.txt").write_text("")
    with pytest.raises(D.DefinitionError, match=r"must be a \.yaml, \.yml or \.json file"):
        D.load(str(tmp_path / "p.txt"))
    with pytest.raises(D.DefinitionError, match="cannot read it"):
        D.load(str(tmp_path / "absent.yaml"))
    (tmp_path / "bad.yaml").write_text("name: a\ntype: [unclosed\n")
    with pytest.raises(D.DefinitionError, match=r"invalid YAML at line \d+, column \d+"):
        D.load(str(tmp_path / "bad.yaml"))
    (tmp_path / "bad.json").write_text('{\n "name": "a",\n}')
    with pytest.raises(D.DefinitionError, match="invalid JSON at line 3, column 1"):
        D.load(str(tmp_path / "bad.json"))
    (tmp_path / "empty.yml").write_text("")
    with pytest.raises(D.DefinitionError, match="must be a mapping"):
        D.load(str(tmp_path / "empty.yml"))


@pytest.mark.parametrize("release", ["release-08-00-04", "light-2403-persian", "prerelease-09", "v1"])
def test_output_dataset_layout_and_scopes(release):
    mcOut = D.outputDataset(mc(release=release), 42)
    dataOut = D.outputDataset(skim(release=release), 7)
    assert mcOut == f"/belle/MC/mcprod/{release}/MC15ri/prod00000042/mdst"
    assert dataOut == f"/belle/Data/release/{release}/MC15ri/prod00000007/mdst"
    assert (scopeOf(mcOut), scopeOf(dataOut)) == ("mc", "data")
    assert validateLFN(mcOut) == mcOut


@pytest.mark.parametrize("prodID", [0, -1, "3", True])
def test_output_dataset_needs_positive_id(prodID):
    with pytest.raises(ValueError, match="positive integer"):
        D.outputDataset(mc(), prodID)


def test_fingerprint_ignores_name_and_bookkeeping():
    base = D.fingerprint(mc(), "steer")
    assert len(base) == 64 and int(base, 16) >= 0
    same = mc(name="other_name", description="x", priority=9, output={"data_tier": "mdst", "se": "DESY-SE"})
    assert D.fingerprint(same, "steer") == base
    assert D.fingerprint(D.validate(mc()), "steer") == base


@pytest.mark.parametrize(
    "change",
    [{"release": "r2"}, {"campaign": "MC16"}, {"events": 1051}, {"events_per_job": 99}],
)
def test_fingerprint_changes_with_the_work(change):
    assert D.fingerprint(mc(**change), "steer") != D.fingerprint(mc(), "steer")
    assert D.fingerprint(mc(), "steer2") != D.fingerprint(mc(), "steer")
    assert D.fingerprint(mc(output={"data_tier": "udst", "se": "K"}), "steer") != D.fingerprint(mc(), "steer")


def test_fingerprint_of_input_productions():
    a = skim(input={"datasets": ["/belle/a", "/belle/b"]})
    b = skim(input={"datasets": ["LFN:/belle/b", "/belle/a"]}, files_per_job=1)
    assert D.fingerprint(a, "s") == D.fingerprint(b, "s")
    assert D.fingerprint(skim(files_per_job=2), "s") != D.fingerprint(skim(), "s")
    assert D.fingerprint(skim(type="Merge"), "s") != D.fingerprint(skim(), "s")
    assert D.fingerprint(skim(input={"query": {"a": 1}}), "s") != D.fingerprint(skim(input={"query": {"a": 2}}), "s")


def test_task_count_and_events_per_task():
    defn = mc()
    assert D.taskCount(defn) == 11
    assert [D.eventsOfTask(defn, i) for i in (1, 10, 11)] == [100, 100, 50]
    assert sum(D.eventsOfTask(defn, i) for i in range(1, 12)) == 1050
    assert D.taskCount(mc(events=1000)) == 10 and D.eventsOfTask(mc(events=1000), 10) == 100
    assert D.taskCount(mc(events=3, events_per_job=100)) == 1 and D.eventsOfTask(mc(events=3), 1) == 3
    for bad in (0, 12):
        with pytest.raises(ValueError, match=f"task index {bad} is out of range 1..11"):
            D.eventsOfTask(defn, bad)
    with pytest.raises(D.DefinitionError, match="Skim production has no task count"):
        D.taskCount(skim())


ALLOWED = {"mdst": ["KEK2-SE", "DESY-SE", "BNL-SE"]}
STATUS = {"KEK2-SE": "Active", "DESY-SE": "Active", "BNL-SE": "Banned", "CNAF-SE": "Active"}


def test_destinations_fine():
    defn = mc(output={"data_tier": "mdst", "se": "KEK2-SE", "destinations": ["KEK2-SE", "DESY-SE"]})
    assert D.checkDestinations(defn, ALLOWED, STATUS, {"KEK2-SE": (50, 100)}) == []


def test_destinations_every_reason():
    defn = mc(output={"data_tier": "mdst", "se": "KEK2-SE", "destinations": ["BNL-SE", "CNAF-SE", "NOPE-SE"]})
    usage = {"KEK2-SE": (97, 100), "CNAF-SE": (951, 1000)}
    assert D.checkDestinations(defn, ALLOWED, STATUS, usage) == [
        "output SE KEK2-SE is 97% full (limit 95%)",
        "destination SE BNL-SE is not writable: its write access is Banned",
        "destination SE CNAF-SE is not allowed for data tier mdst (allowed: KEK2-SE, DESY-SE, BNL-SE)",
        "destination SE CNAF-SE is 95.1% full (limit 95%)",
        "destination SE NOPE-SE is not allowed for data tier mdst (allowed: KEK2-SE, DESY-SE, BNL-SE)",
        "destination SE NOPE-SE is unknown",
    ]


def test_destinations_tier_without_allowed_ses_and_max_fill():
    defn = mc(output={"data_tier": "udst", "se": "KEK2-SE"})
    assert D.checkDestinations(defn, ALLOWED, STATUS, {}) == [
        "output SE KEK2-SE is not allowed for data tier udst (allowed: none)"
    ]
    assert D.checkDestinations(mc(), ALLOWED, STATUS, {"KEK2-SE": (80, 100)}, maxFill=0.75) == [
        "output SE KEK2-SE is 80% full (limit 75%)"
    ]
