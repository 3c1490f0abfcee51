"""Local side of a download: what is already there, where bytes land before they are trusted, which
replica to read. Only the local filesystem is touched (no server), so all of it is unit-tested.

Rules:
* A local file counts as done only if its size **and** adler32 equal the catalog's. The size is compared
  first (one ``stat``), so resuming a finished download reads each file once and never downloads it again;
  a file of the right size with other bytes (a corrupted copy) is fetched again.
* Bytes are written into a hidden directory inside ``subXX`` (ending in ``.gb2partial``) and renamed to
  their final name only after the checksum matched: nothing that ends in ``.root`` directly in ``subXX`` is
  ever partial, which is what b2luigi's ``sub*/*.root`` completeness check and a later resume rely on. Such
  directories left by an interrupted download are removed by the next one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass

from BelleDIRAC.Resources.Catalog.rucio_plan import normalizeAdler32

PARTIAL_SUFFIX = ".gb2partial"
_BLOCK = 4 << 20

MISSING, MISMATCH, VERIFIED = "missing", "mismatch", "verified"


def adler32(path: str) -> str:
    """The adler32 of a file as Rucio writes it (8 lower-case hex digits)."""
    value = 1
    with open(path, "rb") as fh:
        while chunk := fh.read(_BLOCK):
            value = zlib.adler32(chunk, value)
    return f"{value & 0xFFFFFFFF:08x}"


def checksumMatches(path: str, checksum: str) -> bool:
    wanted = normalizeAdler32(checksum)
    return wanted is not None and adler32(path) == wanted


def localState(path: str, size: int, checksum: str) -> str:
    """:data:`VERIFIED` if ``path`` holds exactly the catalog's bytes, :data:`MISMATCH` if another file is
    there, :data:`MISSING` if nothing is."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return MISSING
    if stat.st_size != size:
        return MISMATCH
    return VERIFIED if checksumMatches(path, checksum) else MISMATCH


def partialDir(finalPath: str) -> str:
    """The hidden directory a file is downloaded into (its name does not end in ``.root``)."""
    directory, name = os.path.split(finalPath)
    return os.path.join(directory, f".{name}{PARTIAL_SUFFIX}")


def clearPartial(finalPath: str) -> None:
    shutil.rmtree(partialDir(finalPath), ignore_errors=True)


def batchDir(directory: str) -> str:
    """A new hidden directory in ``directory`` for the files of one transfer (several files share it)."""
    return tempfile.mkdtemp(prefix=".", suffix=PARTIAL_SUFFIX, dir=directory)


def clearStalePartials(directory: str) -> None:
    """Remove what an interrupted download left in ``directory`` (its hidden ``.gb2partial`` directories)."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return
    for name in names:
        if name.startswith(".") and name.endswith(PARTIAL_SUFFIX):
            shutil.rmtree(os.path.join(directory, name), ignore_errors=True)


BATCH_FILES = 50  # files per StorageElement call at most
BATCH_BYTES = 100 << 20  # a batch never exceeds this unless a single file does


def batches(keys, sizes: dict, threads: int) -> list[list]:
    """``keys`` split into the groups one ``StorageElement`` call transfers. Each call also commits an
    accounting record to a DIRAC service (~70 ms, more than copying a small file takes), so small files go
    several per call; big files one per call, and never fewer calls than threads, so that threads share the
    work."""
    keys = sorted(keys)
    perCall = max(1, min(BATCH_FILES, -(-len(keys) // max(1, threads))))
    out: list[list] = []
    current: list = []
    volume = 0
    for key in keys:
        if current and (len(current) >= perCall or volume + sizes[key] > BATCH_BYTES):
            out.append(current)
            current, volume = [], 0
        current.append(key)
        volume += sizes[key]
    return out + [current] if current else out


def removeEmptyDirs(paths) -> None:
    """Drop the given directories if empty (a ``subXX`` where every file failed must not stay: b2luigi
    fails on a ``sub*`` without ``.root`` files), then their parents if that left them empty."""
    for path in sorted(set(paths), key=len, reverse=True):
        for candidate in (path, os.path.dirname(path)):
            try:
                os.rmdir(candidate)
            except OSError:
                pass


def replicaOrder(replicas: dict, wanted: str | None = None) -> list[str]:
    """SEs to read from, in order: only ``wanted`` if given (none if it has no replica), else every SE
    with an available replica."""
    if wanted:
        return [wanted] if wanted in replicas else []
    return sorted(replicas)


@dataclass
class Plan:
    """What a download has to do: ``fetch`` ``(lfn, local path)`` pairs, ``present`` already verified."""

    fetch: list[tuple[str, str]]
    present: list[tuple[str, str]]
    replaced: list[str]


def plan(files: dict[str, dict], target, root: str = ".") -> Plan:
    """Sort the catalog's ``files`` (``{lfn: {"Size", "Checksum", ...}}``) into files to fetch and files
    already present; ``target(lfn)`` is the relative local path of a file."""
    fetch, present, replaced = [], [], []
    for lfn in sorted(files):
        path = os.path.join(root, target(lfn))
        state = localState(path, files[lfn]["Size"], files[lfn]["Checksum"])
        if state == VERIFIED:
            present.append((lfn, path))
            continue
        if state == MISMATCH:
            replaced.append(lfn)
        fetch.append((lfn, path))
    return Plan(fetch, present, replaced)
