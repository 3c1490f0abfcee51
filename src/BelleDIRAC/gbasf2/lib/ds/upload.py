"""Uploads for ``gb2_ds_put``: which local files go where, which are already registered, and how they are
stored and registered.

The bytes are written in parallel (``StorageElement.putFile`` in threads, small files a few per call), then
every stored file is registered with one ``FileCatalog.addFile`` per 1000 files: the Rucio catalog does a bulk
registration in about the time of a single one, so registering file by file (``putAndRegister``) would cost
most of an upload. A file whose bytes did not arrive is never registered; a file stored but not registered
is reported as such and a re-run registers it.

Re-running an upload is the way to resume it: a file whose name is already registered in the dataset
with the same size and adler32 is skipped, one registered with other bytes is refused (grid files are
immutable), and only the rest get new LFNs.
"""

from __future__ import annotations

import os
import posixpath
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed

from BelleDIRAC.gbasf2.lib.ds import local
from BelleDIRAC.gbasf2.lib.ds.fetch import Progress
from BelleDIRAC.Resources.Catalog.rucio_plan import normalizeAdler32


def localFiles(inputs) -> dict[str, str]:
    """``{file name: path}`` of the regular files given (a directory contributes its own files, not
    hidden ones and not sub-directories); the same name twice is an error, a missing path too."""
    out: dict[str, str] = {}
    for item in inputs:
        if os.path.isdir(item):
            paths = [os.path.join(item, n) for n in sorted(os.listdir(item)) if not n.startswith(".")]
            paths = [p for p in paths if os.path.isfile(p)]
        elif os.path.isfile(item):
            paths = [item]
        else:
            raise ValueError(f"{item}: no such file or directory")
        for path in paths:
            name = os.path.basename(path)
            if name in out and os.path.realpath(out[name]) != os.path.realpath(path):
                raise ValueError(f"two files named {name} ({out[name]} and {path}): a dataset holds one")
            out[name] = path
    return out


def alreadyThere(names: dict[str, str], registered: dict[str, dict]) -> tuple[dict, dict, dict]:
    """``(skip, conflict, todo)`` given ``registered`` (``{lfn: {"Size", "Checksum"}}`` of the dataset):
    names registered with the local bytes are skipped, with other bytes refused, the rest uploaded."""
    byName = {posixpath.basename(lfn): lfn for lfn in registered}
    skip, conflict, todo = {}, {}, {}
    for name, path in names.items():
        lfn = byName.get(name)
        if lfn is None:
            todo[name] = path
            continue
        meta = registered[lfn]
        same = os.path.getsize(path) == meta["Size"] and local.adler32(path) == normalizeAdler32(meta["Checksum"])
        if same:
            skip[name] = lfn
        else:
            conflict[name] = f"{lfn} is already registered with other content (grid files are immutable)"
    return skip, conflict, todo


REGISTER_CHUNK = 1000  # the catalog registers up to 1000 files per Rucio call


def putAll(targets: dict[str, str], paths: dict[str, str], se: str, threads: int) -> dict[str, str | None]:
    """``{lfn: None or reason}``: ``targets`` ``{name: lfn}`` stored at ``se``, then registered in bulk."""
    from DIRAC.Resources.Catalog.FileCatalog import FileCatalog

    fc = FileCatalog()
    results = taken(fc, list(targets.values()))
    free = {name: lfn for name, lfn in targets.items() if lfn not in results}
    stored, failed = storeAll(free, paths, se, threads)
    results.update(failed)
    results.update(registerAll(fc, stored, se))
    return results


def taken(fc, lfns: list[str]) -> dict[str, str]:
    """``{lfn: reason}`` for LFNs that must not be written: already in the catalog (storing there would
    overwrite the bytes of a registered file) or whose existence the catalog could not tell."""
    out: dict[str, str] = {}
    for i in range(0, len(lfns), REGISTER_CHUNK):
        chunk = lfns[i : i + REGISTER_CHUNK]
        res = fc.exists(chunk)
        if not res["OK"]:
            out.update({lfn: f"not uploaded, the catalog cannot tell if it exists: {res['Message']}" for lfn in chunk})
            continue
        for lfn, why in res["Value"]["Failed"].items():
            out[lfn] = f"not uploaded, the catalog cannot tell if it exists: {why}"
        for lfn, there in res["Value"]["Successful"].items():
            if there:
                out[lfn] = "not uploaded: this LFN is already in the catalog (a removed file's name stays taken)"
    return out


def storeAll(targets: dict[str, str], paths: dict[str, str], se: str, threads: int) -> tuple[dict, dict]:
    """``({lfn: addFile entry}, {lfn: reason})``: the bytes of ``targets`` written to ``se``, ``threads``
    batches at a time (:func:`batches`), with a progress bar on stderr."""
    from DIRAC.Resources.Storage.StorageElement import StorageElement

    sizes = {name: os.path.getsize(paths[name]) for name in targets}
    progress = Progress(len(targets), sum(sizes.values()))

    def one(batch: dict[str, str]) -> dict[str, dict | str]:
        entries = {lfn: {"Size": sizes[name], "Checksum": local.adler32(paths[name]), "SE": se, "GUID": None,
                         "PFN": ""} for name, lfn in batch.items()}  # fmt: skip
        try:  # StorageElement objects are cached per thread, so workers never share one
            res = StorageElement(se).putFile({lfn: paths[name] for name, lfn in batch.items()})
        except Exception as exc:  # one batch's problem must not stop the others
            res = {"OK": False, "Message": f"{type(exc).__name__}: {exc}"}
        if not res["OK"]:
            return {lfn: f"not uploaded: {res['Message']}" for lfn in entries}
        out: dict[str, dict | str] = {}
        for lfn, entry in entries.items():
            got = res["Value"]["Successful"].get(lfn)
            if lfn in res["Value"]["Failed"] or lfn not in res["Value"]["Successful"]:
                out[lfn] = f"not uploaded: {res['Value']['Failed'].get(lfn, 'no answer from the SE')}"
            elif type(got) is int and got != entry["Size"]:  # plugins answer the stored size
                out[lfn] = f"not uploaded: {got} bytes stored instead of {entry['Size']}"
            else:
                out[lfn] = entry
        return out

    stored, failed = {}, {}
    for wave in firstPerDatablock(targets):
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            futures = {pool.submit(one, batch): batch for batch in batches(wave, sizes, threads)}
            for future in as_completed(futures):
                for name, lfn in futures[future].items():
                    outcome = future.result()[lfn]
                    if isinstance(outcome, dict):
                        stored[lfn] = outcome
                    else:
                        failed[lfn] = outcome
                    progress.update(sizes[name], isinstance(outcome, dict))
    _addURLs(stored, se)
    return stored, failed


def batches(targets: dict[str, str], sizes: dict[str, int], threads: int) -> list[dict[str, str]]:
    """``targets`` split into ``putFile`` calls (:func:`.local.batches`)."""
    return [{name: targets[name] for name in group} for group in local.batches(targets, sizes, threads)]


def _addURLs(stored: dict[str, dict], se: str) -> None:
    """Fill each entry's ``PFN`` with the SE's registration URL, as ``putAndRegister`` does (a local
    computation, no server); the Rucio catalog derives replicas from the SE, so a missing URL is harmless."""
    from DIRAC.DataManagementSystem.Utilities.DMSHelpers import DMSHelpers
    from DIRAC.Resources.Storage.StorageElement import StorageElement

    if not stored:
        return
    res = StorageElement(se).getURL(list(stored), protocol=DMSHelpers().getRegistrationProtocols())
    if res["OK"]:
        for lfn, url in res["Value"]["Successful"].items():
            stored[lfn]["PFN"] = url


def registerAll(fc, stored: dict[str, dict], se: str) -> dict[str, str | None]:
    """``{lfn: None or reason}``: ``stored`` registered, one ``addFile`` per :data:`REGISTER_CHUNK` files."""
    results: dict[str, str | None] = {}
    lfns = sorted(stored)
    if lfns:
        print(f"Registering {len(lfns)} files in the catalog", file=sys.stderr, flush=True)
    for i in range(0, len(lfns), REGISTER_CHUNK):
        chunk = lfns[i : i + REGISTER_CHUNK]
        try:
            res = fc.addFile({lfn: stored[lfn] for lfn in chunk})
        except Exception as exc:  # the files are stored: say so instead of dying
            res = {"OK": False, "Message": f"{type(exc).__name__}: {exc}"}
        if not res["OK"]:
            results.update({lfn: notRegistered(se, res["Message"]) for lfn in chunk})
            continue
        failed = res["Value"]["Failed"]
        for lfn in chunk:
            ok = lfn in res["Value"]["Successful"] and lfn not in failed
            results[lfn] = None if ok else notRegistered(se, failed.get(lfn, "no answer from the catalog"))
    return results


def notRegistered(se: str, why) -> str:
    return f"stored at {se} but not registered ({why}): run the same command again to register it"


def firstPerDatablock(targets: dict[str, str]) -> list[dict[str, str]]:
    """Two waves: one file per datablock, then the rest. The first file of a datablock creates its storage
    directory; done concurrently, DIRAC's File storage fails with "File exists" (``os.makedirs`` after an
    ``exists`` check)."""
    first: dict[str, str] = {}
    seen = set()
    for name, lfn in sorted(targets.items()):
        block = posixpath.dirname(lfn)
        if block not in seen:
            seen.add(block)
            first[name] = lfn
    rest = {name: lfn for name, lfn in targets.items() if name not in first}
    return [wave for wave in (first, rest) if wave]
