"""What a production manager writes to ask for a production, and every check it must pass before it exists.

A production runs for weeks and writes into official scopes, so a mistake found after submission is
expensive: a typo'd key silently ignored, an MC production without an event count, input LFNs outside
``/belle``, an output SE that is full or banned. The definition file (YAML or JSON) is therefore checked
strictly, against :data:`SCHEMA` (which editors and CI can use as is) plus the rules a schema cannot say,
and every problem is reported at once with its JSON path so the user fixes the file in one round.

Everything here is pure: the caller passes in SE status and usage, and :func:`fingerprint` receives the
steering text (the module never reads it) so that resubmitting the same production can be detected.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os

import jsonschema
import yaml

from BelleDIRAC.Resources.Catalog import lfn_naming

MC = "MCGeneration"
TYPES = (MC, "DataProcessing", "Skim", "Merge")
DATA_TIERS = ("mdst", "udst", "cdst", "ntuple", "raw", "log")
# Output layout; the fixed second component keeps scopeOf() at "mc"/"data" whatever the release is called.
MC_ROOT = "/belle/MC/mcprod"
DATA_ROOT = "/belle/Data/release"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$"
_RELEASE = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # must start alphanumeric: "." or ".." would escape the LFN layout
_SE = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"}
_COUNT = {"type": "integer", "minimum": 1}
_SCALAR = {"type": ["string", "integer", "number", "boolean"]}


def _object(properties: dict, required: tuple = (), **extra) -> dict:
    """A JSON Schema object that refuses unknown keys (a typo must not be silently ignored)."""
    return dict(type="object", additionalProperties=False, required=list(required), properties=properties, **extra)


def _forbid(*keys: str) -> dict:
    return {key: {"not": {}} for key in keys}


_DATASETS = {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string"}}
_QUERY = {"type": "object", "minProperties": 1, "additionalProperties": _SCALAR}
_SES = {"type": "array", "uniqueItems": True, "items": _SE}
_OUTPUT = {"data_tier": {"enum": list(DATA_TIERS)}, "se": _SE, "destinations": _SES}
SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Belle II production definition",
    **_object(
        {
            "name": {"type": "string", "pattern": _NAME},
            "type": {"enum": list(TYPES)},
            "campaign": {"type": "string", "pattern": _NAME},
            "description": {"type": "string"},
            "release": {"type": "string", "pattern": _RELEASE},
            "steering": {"type": "string", "minLength": 1},
            "events": _COUNT,
            "events_per_job": _COUNT,
            "input": _object({"datasets": _DATASETS, "query": _QUERY}, minProperties=1, maxProperties=1),
            "files_per_job": {"type": "integer", "minimum": 1, "maximum": 1000},
            "output": _object(_OUTPUT, ("data_tier", "se")),
            "priority": {"type": "integer", "minimum": 1, "maximum": 10},
            "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10},
            "merge": {"type": "boolean"},
            "cpu_time": _COUNT,
        },
        ("name", "type", "campaign", "release", "steering", "output"),
    ),
    "allOf": [  # type-dependent fields
        {"if": {"properties": {"type": {"const": MC}}, "required": ["type"]},
         "then": {"required": ["events", "events_per_job"], "properties": _forbid("input", "files_per_job")}},
        {"if": {"properties": {"type": {"enum": [t for t in TYPES if t != MC]}}, "required": ["type"]},
         "then": {"required": ["input"], "properties": _forbid("events", "events_per_job")}},
    ],
}  # fmt: skip
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
_INTEGERS = ("events", "events_per_job", "files_per_job", "priority", "max_attempts", "cpu_time")


class DefinitionError(ValueError):
    """A definition that must be refused; the message names each field to fix. ``problems`` lists them."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            super().__init__(self.problems[0])
        else:
            lines = "\n".join(f"  {p}" for p in self.problems)
            super().__init__(f"{len(self.problems)} problems in the production definition:\n{lines}")


def _schemaProblem(error: jsonschema.ValidationError, kind: str) -> str:
    if error.validator == "not":
        return f"{error.json_path}: not allowed for type {kind}"
    if error.json_path == "$.input" and error.validator in ("minProperties", "maxProperties"):
        return "$.input: give exactly one of 'datasets' or 'query'"
    if error.validator == "pattern":
        return f"{error.json_path}: {error.instance!r} does not match {error.validator_value}"
    suffix = f" for type {kind}" if error.validator == "required" and "allOf" in error.schema_path else ""
    return f"{error.json_path}: {error.message}{suffix}"


def validate(data: dict, baseDir: str | None = None) -> dict:
    """A normalized copy of the definition with defaults filled in, or :class:`DefinitionError`.

    With ``baseDir`` (the definition file's directory) ``steering`` becomes an absolute path that must
    name an existing file; its content is not read.
    """
    if not isinstance(data, dict):
        raise DefinitionError("$: a production definition must be a mapping of fields")
    kind = data.get("type")
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: (e.json_path, e.message))
    problems = [_schemaProblem(e, kind) for e in errors]
    inp = data.get("input")
    datasets = inp.get("datasets") if isinstance(inp, dict) else None
    normalized = []
    for i, lfn in enumerate(datasets if isinstance(datasets, list) else []):
        if isinstance(lfn, str):
            try:
                normalized.append(lfn_naming.validateLFN(lfn))
            except lfn_naming.LFNError as exc:
                problems.append(f"$.input.datasets[{i}]: {exc}")
    steering = data.get("steering")
    if baseDir is not None and isinstance(steering, str) and steering:
        steering = os.path.normpath(os.path.join(os.path.abspath(baseDir), os.path.expanduser(steering)))
        if not os.path.isfile(steering):
            problems.append(f"$.steering: steering file not found: {steering}")
    if problems:
        raise DefinitionError(problems)

    defn = copy.deepcopy(data)
    defn.update({key: int(defn[key]) for key in _INTEGERS if key in defn})  # JSON Schema takes 3.0 as an integer
    defn["steering"] = steering
    defn.setdefault("priority", 5)
    defn.setdefault("max_attempts", 3)
    defn.setdefault("merge", kind == MC)
    defn["output"].setdefault("destinations", [])
    if kind != MC:
        defn.setdefault("files_per_job", 1)
        if datasets is not None:
            defn["input"]["datasets"] = normalized
    return defn


def load(path: str) -> dict:
    """Read a YAML (``.yaml``/``.yml``) or JSON (``.json``) definition and :func:`validate` it."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".yaml", ".yml", ".json"):
        raise DefinitionError(f"{path}: a production definition must be a .yaml, .yml or .json file")
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise DefinitionError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        data = json.loads(text) if ext == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise DefinitionError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError(f"{path}: invalid YAML{where}: {problem}") from None
    return validate(data, baseDir=os.path.dirname(os.path.abspath(path)))


def outputDataset(defn: dict, prodID: int) -> str:
    """The LFN directory the production writes to: ``<root>/<release>/<campaign>/prod<ID:08d>/<data_tier>``.

    ``<root>`` is :data:`MC_ROOT` for MC generation (scope ``mc``) and :data:`DATA_ROOT` otherwise (scope
    ``data``): Rucio's scope rule looks at the second path component, which a free-form release name
    (``light-2403-...``) would not satisfy.
    """
    if isinstance(prodID, bool) or not isinstance(prodID, int) or prodID <= 0:
        raise ValueError(f"production ID must be a positive integer, not {prodID!r}")
    root = MC_ROOT if defn["type"] == MC else DATA_ROOT
    lfn = f"{root}/{defn['release']}/{defn['campaign']}/prod{prodID:08d}/{defn['output']['data_tier']}"
    return lfn_naming.validateLFN(lfn)


def fingerprint(defn: dict, steeringText: str) -> str:
    """sha256 of what makes two productions the same work; the name, description, priority, SEs are not."""
    same = {key: defn[key] for key in ("type", "release", "campaign")}
    same.update(v=1, steering=steeringText, data_tier=defn["output"]["data_tier"])
    if defn["type"] == MC:
        same.update(events=int(defn["events"]), events_per_job=int(defn["events_per_job"]))
    else:
        inp = defn["input"]
        if "datasets" in inp:
            same["input"] = {"datasets": sorted(lfn_naming.stripLFNPrefix(d) for d in inp["datasets"])}
        else:
            same["input"] = {"query": inp["query"]}
        same["files_per_job"] = int(defn.get("files_per_job", 1))
    canonical = json.dumps(same, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def taskCount(defn: dict) -> int:
    """How many jobs an MC production needs; other types get one task per group of input files."""
    if defn.get("type") != MC:
        raise DefinitionError(f"a {defn.get('type')} production has no task count: its tasks come from input files")
    return -(-int(defn["events"]) // int(defn["events_per_job"]))


def eventsOfTask(defn: dict, taskIndex: int) -> int:
    """Events of MC task ``taskIndex`` (1-based): ``events_per_job``, the last task gets the remainder."""
    count = taskCount(defn)
    if not 1 <= taskIndex <= count:
        raise ValueError(f"task index {taskIndex} is out of range 1..{count}")
    perJob = int(defn["events_per_job"])
    return int(defn["events"]) - perJob * (count - 1) if taskIndex == count else perJob


def _percent(fraction: float, limit: float) -> str:
    """``97%``, or ``95.3%`` where rounding to a whole percent would not show it is above the limit."""
    return f"{100 * fraction:.0f}%" if round(100 * fraction) > 100 * limit else f"{100 * fraction:.1f}%"


def checkDestinations(
    defn: dict,
    allowedByTier: dict[str, list[str]],
    seStatus: dict[str, str],
    seUsage: dict[str, tuple[int, int]],
    maxFill: float = 0.95,
) -> list[str]:
    """Every reason the output SE or a destination SE cannot take this production's data; [] when fine.

    ``seStatus`` is each SE's write-access status, ``seUsage`` its ``(used, total)`` bytes; an SE with no
    usage figure is not refused for it.
    """
    tier = defn["output"]["data_tier"]
    allowed = list(allowedByTier.get(tier) or [])
    checks = [("output SE", defn["output"]["se"])]
    checks += [("destination SE", se) for se in defn["output"].get("destinations", []) if se != checks[0][1]]
    reasons = []
    for role, se in checks:
        if se not in allowed:
            reasons.append(f"{role} {se} is not allowed for data tier {tier} (allowed: {', '.join(allowed) or 'none'})")
        if se not in seStatus:
            reasons.append(f"{role} {se} is unknown")
            continue
        if seStatus[se] != "Active":
            reasons.append(f"{role} {se} is not writable: its write access is {seStatus[se]}")
        used, total = seUsage.get(se, (0, 0))
        if total > 0 and used / total > maxFill:
            reasons.append(f"{role} {se} is {_percent(used / total, maxFill)} full (limit {100 * maxFill:.0f}%)")
    return reasons
