"""Parallel, verified downloads through DIRAC's ``StorageElement``.

Files are read by ``StorageElement(se).getFile`` a batch at a time (:func:`.local.batches`: small files
share a call, since each call also commits an accounting record) into a hidden partial directory
(:mod:`.local`), checked against the catalog's size and adler32, and only then renamed into place. A file
that failed in its batch is fetched on its own, replica after replica. DIRAC caches one ``StorageElement``
object per thread, so worker threads never share one.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from BelleDIRAC.gbasf2.lib.ds import catalog, local


def catalogFiles(fc, lfns, seen: dict | None = None) -> tuple[dict[str, dict], dict[str, str]]:
    """``({lfn: {"Size", "Checksum", "Replicas": {}}}, {lfn: reason})``: what a local copy is checked
    against. What the listing already gave (``seen``) is not asked again. Replicas are read by
    :func:`addReplicas` for the files that are really fetched, so resuming a finished download costs no
    replica lookup."""
    seen = seen or {}
    info, failed = catalog.fileInfo(fc, [lfn for lfn in lfns if lfn not in seen], replicas=False)
    info.update({lfn: {**seen[lfn], "Replicas": {}} for lfn in lfns if lfn in seen})
    return info, failed


def addReplicas(fc, files: dict[str, dict], lfns) -> None:
    """Fill ``files[lfn]["Replicas"]`` (``{se: pfn}``, available replicas only: a copy still being written
    must not be read) for ``lfns``."""
    lfns = list(lfns)
    for i in range(0, len(lfns), catalog.CHUNK):
        res = fc.getReplicas(lfns[i : i + catalog.CHUNK])
        if not res["OK"]:
            raise catalog.CatalogError(f"reading replicas: {res['Message']}")
        for lfn, replicas in res["Value"]["Successful"].items():
            if lfn in files:
                files[lfn]["Replicas"] = dict(replicas or {})


def fetchOne(lfn: str, info: dict, path: str, wantedSE: str | None = None) -> str | None:
    """Download ``lfn`` to ``path``; ``None`` on success, else why it failed."""
    from DIRAC.Core.Utilities.ReturnValues import returnSingleResult
    from DIRAC.Resources.Storage.StorageElement import StorageElement

    ses = local.replicaOrder(info["Replicas"], wantedSE)
    if not ses:
        return f"no replica at {wantedSE}" if wantedSE else "no available replica"
    partial = local.partialDir(path)
    errors = []
    for se in ses:
        local.clearPartial(path)
        os.makedirs(partial, exist_ok=True)
        res = returnSingleResult(StorageElement(se).getFile(lfn, localPath=partial))
        got = os.path.join(partial, os.path.basename(lfn))
        if not res["OK"]:
            errors.append(f"{se}: {res['Message']}")
        elif os.path.getsize(got) != info["Size"]:
            errors.append(f"{se}: size {os.path.getsize(got)} instead of {info['Size']}")
        elif not local.checksumMatches(got, info["Checksum"]):
            errors.append(f"{se}: adler32 {local.adler32(got)} instead of {info['Checksum']}")
        else:
            os.replace(got, path)
            local.clearPartial(path)
            return None
    local.clearPartial(path)
    return "; ".join(errors)


class Progress:
    """A one-line progress bar on stderr (a line per 10 % when stderr is not a terminal)."""

    def __init__(self, total: int, totalBytes: int, stream=None):
        self.total, self.totalBytes = total, totalBytes
        self.done = self.failed = self.bytes = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self.lastTenth = -1
        self.lock = threading.Lock()

    def update(self, size: int, ok: bool) -> None:
        with self.lock:
            self.done += 1
            self.failed += 0 if ok else 1
            self.bytes += size if ok else 0
            tenth = self.done * 10 // max(self.total, 1)
            if self.tty or tenth != self.lastTenth or self.done == self.total:
                self.lastTenth = tenth
                self._draw()

    def _draw(self) -> None:
        width = 30
        filled = width * self.done // max(self.total, 1)
        rate = self.bytes / max(time.monotonic() - self.start, 1e-3) / 1e6
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} files"
            f" {self.bytes / 1e6:.1f}/{self.totalBytes / 1e6:.1f} MB {rate:.1f} MB/s"
            + (f" ({self.failed} failed)" if self.failed else "")
        )
        end = "" if self.tty and self.done < self.total else "\n"
        print(("\r" if self.tty else "") + line, end=end, file=self.stream, flush=True)


def fetchBatch(se: str, jobs: list[tuple[str, str]], files: dict[str, dict]) -> dict[str, str | None]:
    """``{lfn: None or reason}``: ``jobs`` (``(lfn, local path)`` pairs, one local directory) read from ``se``
    in one call; files it did not deliver intact have a reason."""
    from DIRAC.Resources.Storage.StorageElement import StorageElement

    partial = local.batchDir(os.path.dirname(jobs[0][1]))
    try:
        res = StorageElement(se).getFile([lfn for lfn, _p in jobs], localPath=partial)
        out: dict[str, str | None] = {}
        for lfn, path in jobs:
            info, got = files[lfn], os.path.join(partial, os.path.basename(lfn))
            if not res["OK"]:
                out[lfn] = f"{se}: {res['Message']}"
            elif lfn not in res["Value"]["Successful"]:
                out[lfn] = f"{se}: {res['Value']['Failed'].get(lfn, 'not delivered')}"
            elif os.path.getsize(got) != info["Size"]:
                out[lfn] = f"{se}: size {os.path.getsize(got)} instead of {info['Size']}"
            elif not local.checksumMatches(got, info["Checksum"]):
                out[lfn] = f"{se}: adler32 {local.adler32(got)} instead of {info['Checksum']}"
            else:
                os.replace(got, path)
                out[lfn] = None
        return out
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def fetchAll(jobs, files: dict[str, dict], wantedSE: str | None, threads: int) -> dict[str, str | None]:
    """``{lfn: None or reason}`` for ``jobs`` (``(lfn, local path)`` pairs), ``threads`` transfers at a time:
    batches from each file's first replica, then what failed there file by file over all its replicas."""
    progress = Progress(len(jobs), sum(files[lfn]["Size"] for lfn, _p in jobs))
    results: dict[str, str | None] = {}
    for path in {os.path.dirname(p) for _lfn, p in jobs}:
        os.makedirs(path, exist_ok=True)
        local.clearStalePartials(path)
    paths = dict(jobs)
    groups: dict[tuple[str, str], list[str]] = {}
    for lfn, path in jobs:
        ses = local.replicaOrder(files[lfn]["Replicas"], wantedSE)
        if ses:
            groups.setdefault((ses[0], os.path.dirname(path)), []).append(lfn)
        else:
            results[lfn] = f"no replica at {wantedSE}" if wantedSE else "no available replica"
            progress.update(files[lfn]["Size"], False)

    def batch(se, lfns):
        try:
            out = fetchBatch(se, [(lfn, paths[lfn]) for lfn in lfns], files)
        except Exception as exc:  # a worker must report its files, never kill the whole download
            out = {lfn: f"{se}: {type(exc).__name__}: {exc}" for lfn in lfns}
        for lfn, why in out.items():
            if why is not None:  # this replica failed it: try every replica of the file on its own
                again = one(lfn)
                out[lfn] = None if again is None else f"{why}; {again}"
        return out

    def one(lfn):
        try:
            return fetchOne(lfn, files[lfn], paths[lfn], wantedSE)
        except Exception as exc:
            local.clearPartial(paths[lfn])
            return f"{type(exc).__name__}: {exc}"

    sizes = {lfn: files[lfn]["Size"] for lfn in paths}
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        futures = [
            pool.submit(batch, se, group)
            for (se, _dir), lfns in sorted(groups.items())
            for group in local.batches(lfns, sizes, threads)
        ]
        for future in as_completed(futures):
            for lfn, why in future.result().items():
                results[lfn] = why
                progress.update(files[lfn]["Size"], why is None)
    return results
