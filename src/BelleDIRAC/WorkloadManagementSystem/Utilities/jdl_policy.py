"""What a user may put in a JDL, decided before anything reaches JobDB.

DIRAC's own checks are lenient: its ClassAd reader silently drops or truncates what it cannot parse
(an unterminated string becomes a value with a stray quote), and a user may set attributes that steer
the server, such as ``JobPath``, which replaces the optimizer chain and so skips every Belle II check
(scouting included). The JobManager calls :func:`checkUserJDL` on every submission and refuses the
whole job set on the first problem, with a message that names the attribute and the offending value.

Everything here is pure: text in, ``S_OK``/``S_ERROR`` out.
"""

from __future__ import annotations

import re

from DIRAC import S_ERROR, S_OK
from DIRAC.Core.Utilities.DErrno import EWMSJDL

from BelleDIRAC.Resources.Catalog.lfn_naming import LFNError, validateLFN
from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import parseScoutID

#: Attributes that impersonate another owner or VO: never accepted from a client.
IDENTITY_ATTRIBUTES = {"owner", "ownerdn", "ownergroup", "virtualorganization", "vo"}
#: Attributes that steer the server's processing: only for job administrators and production managers.
STEERING_ATTRIBUTES = {"jobpath"}
STEERING_PROPERTIES = {"JobAdministrator", "ProductionManagement"}

LFN_ATTRIBUTES = ("InputData",)
_PARAMETRIC = re.compile(r"%\([A-Za-z_][\w]*\)s|%[sn]")
_NAME = re.compile(r"\s*([A-Za-z_][\w.]*)\s*=\s*")
_BARE = re.compile(r"[^;\"{}\[\]]*")
_BARE_ITEM = re.compile(r"[^;,\"{}\[\]]*")


class JDLError(ValueError):
    """A JDL that must be refused; the message is shown to the user as is."""


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _string(text: str, pos: int) -> tuple[str, int]:
    """A double-quoted string starting at ``text[pos] == '"'``; returns (content, position after it)."""
    out, i = [], pos + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if char == '"':
            return "".join(out), i + 1
        out.append(char)
        i += 1
    raise JDLError(f"Malformed JDL: unterminated string starting with {_shorten(text[pos:pos + 40])!r}")


def _scalar(text: str, pos: int, name: str, in_list: bool = False) -> tuple[str, int]:
    if text[pos : pos + 1] == '"':
        return _string(text, pos)
    bare = (_BARE_ITEM if in_list else _BARE).match(text, pos).group(0)
    if not bare.strip():
        raise JDLError(f"Malformed JDL: attribute {name} has no value")
    return bare.strip(), pos + len(bare)


def _value(text: str, pos: int, name: str, in_list: bool = False) -> tuple[str | list, int]:
    """A scalar or a ``{...}`` list, whose items may be lists themselves: DIRAC's bulk transformation jobs
    write ``Parameters.InputData = { {lfn1, lfn2}, {lfn3} }`` (one list per job)."""
    if text[pos : pos + 1] != "{":
        return _scalar(text, pos, name, in_list)
    items, pos = [], pos + 1
    while True:
        pos = len(text) - len(text[pos:].lstrip())
        if text[pos : pos + 1] == "}":
            return items, pos + 1
        item, pos = _value(text, pos, name, in_list=True)
        items.append(item)
        pos = len(text) - len(text[pos:].lstrip())
        if text[pos : pos + 1] == ",":
            pos += 1
        elif text[pos : pos + 1] != "}":
            raise JDLError(f"Malformed JDL: list of attribute {name} is not closed or not separated by commas")


def parseJDL(jdl: str) -> dict[str, str | list[str]]:
    """Parse ``[ Name = value; ... ]`` strictly: strings terminated, lists closed, one value per name.

    Values are returned unquoted; lists as lists of strings. Raises :class:`JDLError`.
    """
    text = (jdl or "").strip()
    if text.startswith("["):
        if not text.endswith("]"):
            raise JDLError("Malformed JDL: it starts with '[' but does not end with ']'")
        text = text[1:-1]
    attributes: dict[str, str | list[str]] = {}
    seen: set[str] = set()
    pos = 0
    while text[pos:].strip():
        match = _NAME.match(text, pos)
        if not match:
            raise JDLError(f"Malformed JDL: expected 'Name = value;' at {_shorten(text[pos:].strip(), 40)!r}")
        name = match.group(1)
        value, pos = _value(text, match.end(), name)
        rest = text[pos:].lstrip()
        if rest and not rest.startswith(";"):
            raise JDLError(f"Malformed JDL: attribute {name} is not followed by ';' ({_shorten(rest, 40)!r})")
        pos = len(text) - len(rest) + (1 if rest else 0)
        if name.lower() in seen:
            raise JDLError(f"Malformed JDL: attribute {name} is set twice")
        seen.add(name.lower())
        attributes[name] = value
    if not attributes:
        raise JDLError("Malformed JDL: it defines no attribute")
    return attributes


def checkAttributes(attributes: dict, properties: list[str]) -> None:
    """Refuse identity attributes always, and steering attributes unless the caller may steer."""
    may_steer = bool(STEERING_PROPERTIES.intersection(properties or []))
    for name in attributes:
        key = name.lower()
        if key in IDENTITY_ATTRIBUTES or (key in STEERING_ATTRIBUTES and not may_steer):
            raise JDLError(f"JDL attribute {name} is reserved and may not be set by users")


def checkLFN(lfn: str, attribute: str) -> None:
    """An LFN must be valid by the Belle II naming rules; parametric placeholders are filled in per job."""
    try:
        validateLFN(lfn, placeholders=_PARAMETRIC)
    except LFNError as exc:
        raise JDLError(f"{attribute}: {exc}") from None


def _as_list(value) -> list[str]:
    """Every scalar in ``value``, nested lists flattened (each must pass the same checks)."""
    if not isinstance(value, list):
        return [value]
    return [item for part in value for item in _as_list(part)]


def _parameterValues(attributes: dict, placeholder: str) -> list[str]:
    """The values a whole-value placeholder (``%s``, ``%(name)s``) takes: its Parameters list."""
    key = "parameters" if placeholder == "%s" else f"parameters.{placeholder[2:-2]}".lower()
    value = next((v for n, v in attributes.items() if n.lower() == key), None)
    if not isinstance(value, list):
        raise JDLError(f"{placeholder} stands for an LFN, so its parameters must be a list of LFNs")
    return _as_list(value)


def checkPaths(attributes: dict) -> None:
    """LFNs in InputData and in LFN: sandbox entries; relative, contained OutputSandbox entries.

    An LFN given as a bare parametric placeholder (``InputData = {"%s"}``: one input file per job) is
    checked through the values of its parameter list instead."""
    for name, value in attributes.items():
        for item in _as_list(value):
            if name in LFN_ATTRIBUTES or (name in ("InputSandbox", "OutputData") and item.upper().startswith("LFN:")):
                bare = _PARAMETRIC.fullmatch(item.strip()) and item.strip() != "%n"
                for lfn in _parameterValues(attributes, item.strip()) if bare else [item]:
                    checkLFN(lfn, name)
    for item in _as_list(attributes.get("OutputSandbox", [])):
        if item.startswith("/") or ".." in item.split("/"):
            raise JDLError(f"OutputSandbox: {_shorten(item)!r} must be a file name relative to the job directory")
    output_path = attributes.get("OutputPath")
    if isinstance(output_path, str) and (".." in output_path.split("/") or "//" in output_path):
        raise JDLError(f"OutputPath: {_shorten(output_path)!r} may not contain '..' or '//'")


def checkScouting(attributes: dict) -> None:
    """``ScoutID`` must name scout jobs; ``ScoutFlag``, ``ScoutEvents`` and ``Events`` must be numbers."""
    lower = {name.lower(): (name, value) for name, value in attributes.items()}
    if "scoutid" in lower:
        name, value = lower["scoutid"]
        try:
            parseScoutID(value)
        except ValueError as exc:
            raise JDLError(f"{name}: {exc}") from None
    for key in ("scoutflag", "scoutevents", "events"):
        if key in lower and not re.fullmatch(r"\d{1,12}", str(lower[key][1]).strip()):
            raise JDLError(f"{lower[key][0]} must be a non-negative integer, not {_shorten(str(lower[key][1]))!r}")


def checkUserJDL(jdl: str, properties: list[str]) -> dict:
    """S_OK(parsed attributes) if a caller with ``properties`` may submit ``jdl``, else S_ERROR(EWMSJDL, why)."""
    try:
        attributes = parseJDL(jdl)
        checkAttributes(attributes, properties)
        checkPaths(attributes)
        checkScouting(attributes)
    except JDLError as exc:
        return S_ERROR(EWMSJDL, str(exc))
    return S_OK(attributes)
