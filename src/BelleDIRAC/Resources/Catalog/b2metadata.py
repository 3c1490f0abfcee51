"""Belle II user metadata in Rucio: which keys exist, their types, and how DIRAC queries become Rucio filters.

Metadata lives in Rucio's JSON metadata plugin (it replaced AMGA). Two Rucio facts shape this module:

* Rucio's ``DID_COLUMN`` plugin claims every key that is a column of its DID table (``campaign``,
  ``datatype``, ``events``, ``project``, ``run_number``, ``version``...), and one filter cannot mix
  column keys with JSON keys. So a Belle II key with such a name is stored as ``belle_<key>``
  (:func:`rucioKey`); callers only ever see the Belle II names (:func:`diracKey`).
* The JSON plugin compares values of the stored type, so a key must keep one type everywhere:
  :func:`validateMetadata` refuses an ``experimentLow`` of ``"7"`` before it reaches Rucio.

Queries (:func:`queryToRucioFilters`) take DIRAC's metadata-query form (``{key: value}``,
``{key: {">=": v}}``, ``{key: {"in": [...]}}``) and two Belle II conveniences: ``experiment`` and
``run`` as a value or an inclusive ``[low, high]`` range, matching files whose own ranges overlap it.
Everything here is pure.
"""

from __future__ import annotations

import itertools
import re

# Belle II keys and their types (AMGA's attributes, as the Dataset Searcher and gb2_ds_search use them).
SCHEMA: dict[str, type] = {
    "dataType": str,  # "mc" or "data"
    "dataLevel": str,  # mdst, udst, cdst, raw...
    "campaign": str,  # MC15rd_b, proc13...
    "release": str,
    "globalTag": str,
    "beamEnergy": str,  # 4S, 5S, or an off-resonance energy in MeV
    "bkgLevel": str,  # BGx0 / BGx1
    "mcEventType": str,  # uubar, charged...
    "skimDecayMode": str,  # 14120601
    "generalSkim": str,
    "description": str,
    "project": str,
    "experimentLow": int,
    "experimentHigh": int,
    "runLow": int,
    "runHigh": int,
    "nEvents": int,
    "prodId": int,
    "intLuminosity": float,  # /fb
}
ENUMS = {"dataType": {"mc", "data"}, "bkgLevel": {"BGx0", "BGx1"}}
RANGES = {"experiment": ("experimentLow", "experimentHigh"), "run": ("runLow", "runHigh")}
# Columns of Rucio's DID table that its DID_COLUMN plugin claims (rucio/db/sqla/models.py, Rucio 41).
RUCIO_COLUMN_KEYS = frozenset(
    "name bytes length md5 adler32 expired_at purge_replicas deleted_at events guid project datatype run_number "
    "stream_name prod_step version campaign task_id panda_id lumiblocknr provenance phys_group transient "
    "accessed_at closed_at eol_at is_archive constituent access_cnt hidden is_new lifetime type".split()
)
STORED_PREFIX = "belle_"
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MAX_STRING = 1024
_OPERATORS = {"=": "", "==": "", "!=": ".ne", ">": ".gt", "<": ".lt", ">=": ".gte", "<=": ".lte", "=<": ".lte"}
MAX_FILTER_COMBINATIONS = 64


class MetadataError(ValueError):
    """Metadata or a query that must be refused; the message names the key."""


def rucioKey(key: str) -> str:
    """The JSON key Rucio stores ``key`` under (see the module doc)."""
    return STORED_PREFIX + key if key.lower() in RUCIO_COLUMN_KEYS else key


def diracKey(stored: str) -> str:
    """Inverse of :func:`rucioKey`."""
    if stored.startswith(STORED_PREFIX) and stored[len(STORED_PREFIX) :].lower() in RUCIO_COLUMN_KEYS:
        return stored[len(STORED_PREFIX) :]
    return stored


def _checkValue(key: str, value):
    expected = SCHEMA.get(key)
    if isinstance(value, bool) or value is None or not isinstance(value, (str, int, float)):
        raise MetadataError(f"metadata {key!r}: {type(value).__name__} values are not allowed (str, int or float)")
    if expected is float and isinstance(value, int):
        return float(value)
    if expected and not isinstance(value, expected):
        raise MetadataError(f"metadata {key!r} must be {expected.__name__}, not {type(value).__name__} ({value!r})")
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise MetadataError(f"metadata {key!r}: value longer than {MAX_STRING} characters")
    if key in ENUMS and value not in ENUMS[key]:
        raise MetadataError(f"metadata {key!r} must be one of {sorted(ENUMS[key])}, not {value!r}")
    return value


def validateMetadata(meta: dict) -> dict:
    """``meta`` with Rucio's key names, or :class:`MetadataError` naming the first bad key.

    Known keys must have their :data:`SCHEMA` type; other keys are allowed as plain scalars. Ranges
    must not be inverted (``experimentLow`` above ``experimentHigh``).
    """
    if not isinstance(meta, dict) or not meta:
        raise MetadataError("metadata must be a non-empty dictionary")
    out = {}
    for key, value in meta.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise MetadataError(f"metadata key {key!r} is not a name ([A-Za-z][A-Za-z0-9_]*, at most 64)")
        if key.startswith(STORED_PREFIX):
            raise MetadataError(f"metadata key {key!r}: the prefix {STORED_PREFIX!r} is reserved")
        out[rucioKey(key)] = _checkValue(key, value)
    for low, high in RANGES.values():
        if low in out and high in out and out[low] > out[high]:
            raise MetadataError(f"metadata {low}={out[low]} is above {high}={out[high]}")
    return out


def fromRucio(meta: dict) -> dict:
    """Stored JSON metadata as callers see it (Belle II key names)."""
    return {diracKey(k): v for k, v in meta.items()}


def _rangeBounds(name: str, value) -> tuple[int, int | None]:
    """``(first, last)`` asked for a range key: an integer, ``[low, high]`` or DIRAC operators."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        first, last = value
    elif isinstance(value, dict) and value and set(value) <= {"=", ">=", ">", "<=", "<"}:
        first, last = value.get("=", 0), value.get("=")
        first = value[">="] if ">=" in value else value[">"] + 1 if ">" in value else first
        last = value["<="] if "<=" in value else value["<"] - 1 if "<" in value else last
    elif isinstance(value, int) and not isinstance(value, bool):
        first = last = value
    else:
        raise MetadataError(f"query {name!r} takes an integer, [low, high] or >=, <= bounds, not {value!r}")
    for bound in (first, last):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
            raise MetadataError(f"query {name!r}: bounds must be integers, not {bound!r}")
    if last is not None and first > last:
        raise MetadataError(f"query {name!r}: range {first}-{last} is empty")
    return first, last


def _rangeTerms(name: str, value) -> dict:
    """Files whose own [low, high] overlaps what is asked."""
    low, high = RANGES[name]
    first, last = _rangeBounds(name, value)
    terms = {f"{high}.gte": first}
    if last is not None:
        terms[f"{low}.lte"] = last
    return terms


def _terms(key: str, condition) -> list[dict]:
    """The alternative Rucio filter terms for one key (several when the condition is an ``in``)."""
    if key in RANGES:
        return [_rangeTerms(key, condition)]
    if not isinstance(key, str) or not _KEY.match(key):
        raise MetadataError(f"query key {key!r} is not a metadata name")
    stored = rucioKey(key)
    if not isinstance(condition, (dict, list)):
        return [{stored: _checkValue(key, condition)}]
    if isinstance(condition, list) or set(condition) == {"in"}:
        values = condition if isinstance(condition, list) else condition["in"]
        if not isinstance(values, (list, tuple, set)) or not values:
            raise MetadataError(f"query {key!r}: 'in' takes a non-empty list")
        return [{stored: _checkValue(key, v)} for v in values]
    term = {}
    for op, value in condition.items():
        if op == "nin":
            raise MetadataError(f"query {key!r}: 'not in' is not supported by Rucio metadata queries")
        if op not in _OPERATORS:
            raise MetadataError(f"query {key!r}: unknown operator {op!r} (use {', '.join(sorted(_OPERATORS))}, in)")
        term[stored + _OPERATORS[op]] = _checkValue(key, value)
    return [term]


def queryToRucioFilters(query: dict) -> list[dict]:
    """A DIRAC metadata query as Rucio ``list_dids`` filters (a list of OR-ed dictionaries).

    ``in`` conditions multiply out; more than :data:`MAX_FILTER_COMBINATIONS` alternatives is refused
    rather than sent as an unbounded OR to the server.
    """
    if not isinstance(query, dict) or not query:
        raise MetadataError("a metadata query must be a non-empty dictionary")
    alternatives = [_terms(key, condition) for key, condition in query.items()]
    count = 1
    for terms in alternatives:
        count *= len(terms)
    if count > MAX_FILTER_COMBINATIONS:
        raise MetadataError(f"the query expands to {count} alternatives (at most {MAX_FILTER_COMBINATIONS})")
    filters = []
    for combo in itertools.product(*alternatives):
        merged: dict = {}
        for term in combo:
            merged.update(term)
        filters.append(merged)
    return filters


def fieldTypes() -> dict[str, str]:
    """Known keys with DIRAC's type names (what ``dirac-dms-find-lfns`` parses a query with)."""
    names = {str: "VARCHAR(128)", int: "INT", float: "FLOAT"}
    out = {key: names[kind] for key, kind in SCHEMA.items()}
    out.update(dict.fromkeys(RANGES, "INT"))
    return out
