"""``gb2_ds_search`` options as a catalog metadata query (the keys of ``b2metadata.SCHEMA``). Pure."""

from __future__ import annotations

# option -> metadata key, in the order the Dataset Searcher shows them
OPTIONS = {
    "data_type": "dataType",
    "campaign": "campaign",
    "beam_energy": "beamEnergy",
    "mc_event": "mcEventType",
    "bkg_level": "bkgLevel",
    "skim_decay": "skimDecayMode",
    "data_level": "dataLevel",
    "release": "release",
    "global_tag": "globalTag",
}
RANGES = ("experiment", "run")


class SearchError(ValueError):
    """An option value that cannot become a query; the message names the option."""


def parseRange(option: str, text: str):
    """``7`` -> 7, ``7-12`` -> ``[7, 12]`` (inclusive)."""
    low, sep, high = str(text).strip().partition("-")
    try:
        values = [int(low)] + ([int(high)] if sep else [])
    except ValueError:
        raise SearchError(f"--{option} takes N or N-M, not {text!r}") from None
    if len(values) == 2 and values[0] > values[1]:
        raise SearchError(f"--{option} {text}: the range is empty")
    return values if len(values) == 2 else values[0]


def metaQuery(options: dict) -> dict:
    """The query for the options given (``None`` values are left out); ``data_type`` is lower-case."""
    out = {}
    for option, key in OPTIONS.items():
        value = options.get(option)
        if value not in (None, ""):
            out[key] = str(value).lower() if option == "data_type" else str(value)
    for option in RANGES:
        if options.get(option) not in (None, ""):
            out[option] = parseRange(option, options[option])
    if not out:
        raise SearchError("give at least one search option (see --help)")
    return out
