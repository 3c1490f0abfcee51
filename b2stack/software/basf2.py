"""The stand-in basf2 Python module (see the ``basf2`` script): paths, modules and ``process``.

Enough of basf2's API for analysis steering files: ``create_path``, ``Path.add_module``,
``register_module``, ``process``, ``B2INFO``/``B2WARNING``/``B2ERROR``/``B2FATAL``, ``set_random_seed``,
``statistics`` and ``conditions.globaltags``.
"""

from __future__ import annotations

import hashlib
import os
import sys
import types

RELEASE = os.path.basename(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
OUTPUT_MODULES = {"RootOutput": ("outputFileName", "RootOutput.root"), "VariablesToNtuple": ("fileName", "ntuple.root")}
_settings = {"inputs": [], "events": 0, "output": None}
statistics = types.SimpleNamespace(processed=0)
conditions = types.SimpleNamespace(globaltags=[])


def configure(inputs, events, output) -> None:
    _settings.update(inputs=list(inputs), events=int(events or 0), output=output)


class Module:
    def __init__(self, name: str, **params):
        self.name, self.params = name, dict(params)

    def param(self, key, value=None):
        if isinstance(key, dict):
            self.params.update(key)
        else:
            self.params[key] = value


class Path:
    def __init__(self):
        self.modules: list[Module] = []

    def add_module(self, module, **params):
        module = module if isinstance(module, Module) else Module(module, **params)
        self.modules.append(module)
        return module

    def add_path(self, other: Path) -> None:
        self.modules.extend(other.modules)


def create_path() -> Path:
    return Path()


def register_module(name: str, **params) -> Module:
    return Module(name, **params)


def set_random_seed(_seed) -> None:
    pass


def B2INFO(*msg) -> None:  # noqa: N802 (basf2's names)
    print("[INFO]", *msg, flush=True)


def B2WARNING(*msg) -> None:  # noqa: N802
    print("[WARNING]", *msg, flush=True)


def B2ERROR(*msg) -> None:  # noqa: N802
    print("[ERROR]", *msg, file=sys.stderr, flush=True)


def B2FATAL(*msg) -> None:  # noqa: N802
    print("[FATAL]", *msg, file=sys.stderr, flush=True)
    sys.exit(1)


def _inputs(path: Path) -> list[str]:
    files = list(_settings["inputs"])
    for module in path.modules:
        if module.name == "RootInput" and not files:
            names = module.params.get("inputFileNames") or module.params.get("inputFileName") or []
            files = [names] if isinstance(names, str) else list(names)
    return files


def _events(files: list[str], limit: int):
    if not files:  # event generation (MC): ``limit`` events, different in every job
        seed = _settings.get("seed") or os.environ.get("JOBID", "0")
        yield from (f"mc {seed} {i}".encode() for i in range(limit))
        return
    n = 0
    for name in files:
        with open(name, "rb") as fh:
            for line in fh:
                if line.startswith(b"# basf2 "):  # an earlier basf2's header (merging outputs), not an event
                    continue
                if limit and n >= limit:
                    return
                n += 1
                yield line.rstrip(b"\n")


def process(path: Path, max_event: int = 0) -> None:
    """Run ``path``: every event of the inputs goes through; output modules write one line per event."""
    limit = _settings["events"] or max_event
    files = _inputs(path)
    missing = [f for f in files if not os.path.exists(f)]
    if missing:
        B2FATAL(f"input file(s) not found: {', '.join(missing)}")
    outputs = []
    for module in path.modules:
        if module.name in OUTPUT_MODULES:
            key, default = OUTPUT_MODULES[module.name]
            name = (_settings["output"] if module.name == "RootOutput" else None) or module.params.get(key, default)
            outputs.append(open(name, "w"))  # noqa: SIM115 (closed below)
    try:
        for out in outputs:
            out.write(f"# basf2 {RELEASE} inputs={','.join(os.path.basename(f) for f in files)}\n")
        for event in _events(files, limit):
            statistics.processed += 1
            digest = hashlib.sha1(event).hexdigest()[:16]
            for out in outputs:
                out.write(f"{statistics.processed} {digest}\n")
    finally:
        for out in outputs:
            out.close()
    B2INFO(f"processed {statistics.processed} events")
