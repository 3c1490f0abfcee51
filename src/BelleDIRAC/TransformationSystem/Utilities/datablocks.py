"""Datablock rules for transformations: which files may share a task, and when a datablock is finished.

Belle II files live in ``.../subNN`` datablocks (Rucio datasets of at most
:data:`~BelleDIRAC.Resources.Catalog.lfn_naming.MAX_DATABLOCK_FILES` files). A task that mixed datablocks would
produce a merged file, or a replication, that belongs to no single dataset, so tasks never cross a datablock.
A datablock can only be merged or closed once no more files will arrive in it, which :func:`completeDatablocks`
decides from counts alone.

Production outputs are named by :func:`BelleDIRAC.gbasf2.lib.naming.outputLFN` with ``index = TaskID``
(1-based), so task ``t`` writes into ``naming.datablockFor(t)`` = ``sub{t // 1000:02d}``: ``sub00`` receives
tasks 1..999 (999 files), ``sub01`` tasks 1000..1999, and so on. :func:`datablockOfTask` and
:func:`expectedPerBlock` reuse that function rather than restating the arithmetic.

Everything here is pure: names and counts in, names and counts out.
"""

from __future__ import annotations

import posixpath

from BelleDIRAC.gbasf2.lib import naming
from BelleDIRAC.Resources.Catalog.lfn_naming import MAX_DATABLOCK_FILES, datablockOf


def groupByDatablock(lfns: list[str], groupSize: int) -> list[list[str]]:
    """Tasks of at most ``groupSize`` LFNs, each from a single datablock.

    LFNs are sorted (so the result does not depend on input order), deduplicated, and cut into consecutive
    chunks per datablock; only the last chunk of a datablock may be short. An LFN that is not directly in a
    ``subNN`` directory raises :class:`ValueError` naming it.
    """
    if int(groupSize) < 1:
        raise ValueError(f"groupSize must be at least 1, not {groupSize!r}")
    byBlock = {}
    for lfn in sorted(set(lfns)):
        block = datablockOf(lfn)
        if block is None:
            raise ValueError(f"LFN {lfn!r} is not in a datablock (…/subNN) directory")
        byBlock.setdefault(block, []).append(lfn)
    tasks = []
    for block in sorted(byBlock):
        files = byBlock[block]
        tasks.extend(files[i : i + int(groupSize)] for i in range(0, len(files), int(groupSize)))
    return tasks


def closedDatablocks(blocks) -> set[str]:
    """The datablocks of ``blocks`` that have a later sibling (same dataset, higher ``subNN``) among them.

    Datablocks are filled in order and never reopened
    (:func:`~BelleDIRAC.Resources.Catalog.lfn_naming.assignDatablocks`), so once a later one exists, no file
    will arrive in an earlier one any more.
    """
    last: dict[str, str] = {}
    for block in blocks:
        dataset = posixpath.dirname(block)
        if dataset not in last or _index(block) > _index(last[dataset]):
            last[dataset] = block
    return {block for block in blocks if block != last[posixpath.dirname(block)]}


def _index(block: str) -> int:
    return int(posixpath.basename(block)[3:])


def completeDatablocks(filesByBlock: dict[str, int], expectedByBlock: dict[str, int], producerDone: bool) -> list[str]:
    """The datablocks (keys of ``filesByBlock``, file counts) that will receive no more files, sorted.

    A datablock is complete when it holds :data:`MAX_DATABLOCK_FILES` files, when it holds at least the number
    expected for it, or, once the producer is done (``producerDone``), with whatever it holds. Expected counts
    are looked up by the datablock key, then by its ``subNN`` name, so :func:`expectedPerBlock` (which knows
    only ``subNN``) applies to every output dataset of a production. Empty datablocks are never complete.
    """
    complete = []
    for block, count in filesByBlock.items():
        if count <= 0:
            continue
        expected = expectedByBlock.get(block, expectedByBlock.get(posixpath.basename(block)))
        if producerDone or count >= MAX_DATABLOCK_FILES or (expected is not None and count >= expected):
            complete.append(block)
    return sorted(complete)


def datablockOfTask(taskIndex: int) -> str:
    """The ``subNN`` a production task's outputs go to: production jobs name their outputs with index
    task − 1 (:func:`naming.datablockFor`), so ``sub00`` holds tasks 1…1000, ``sub01`` 1001…2000."""
    if int(taskIndex) < 1:
        raise ValueError(f"task indices start at 1, not {taskIndex!r}")
    return naming.datablockFor(int(taskIndex) - 1)


def expectedPerBlock(nTasks: int) -> dict[str, int]:
    """``{subNN: number of tasks writing into it}`` for tasks 1..``nTasks`` (one file per task and output).

    Consistent with :func:`datablockOfTask`: every block but the last expects 1000 files.
    """
    counts: dict[str, int] = {}
    for task in range(1, int(nTasks) + 1):
        block = datablockOfTask(task)
        counts[block] = counts.get(block, 0) + 1
    return counts
