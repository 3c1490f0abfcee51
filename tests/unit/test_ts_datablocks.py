"""Datablock rules for transformations: tasks stay in one subNN, and production task IDs map to subNN like
the gbasf2 output names do (naming.datablockFor of the 1-based task ID)."""

import random

import pytest

from BelleDIRAC.gbasf2.lib import naming
from BelleDIRAC.Resources.Catalog.lfn_naming import MAX_DATABLOCK_FILES, datablockOf
from BelleDIRAC.TransformationSystem.Utilities.datablocks import (
    closedDatablocks,
    completeDatablocks,
    datablockOfTask,
    expectedPerBlock,
    groupByDatablock,
)

DS = "/belle/MC/release-08/DB1/prod1/s00/e1003/4S/r00000/uubar/mdst"


def lfns(block: str, n: int, start: int = 0) -> list[str]:
    return [f"{DS}/{block}/f_{i:05d}.root" for i in range(start, start + n)]


def test_group_never_mixes_datablocks_and_chunks():
    files = lfns("sub00", 5) + lfns("sub01", 3)
    tasks = groupByDatablock(files, 2)
    assert [len(t) for t in tasks] == [2, 2, 1, 2, 1]
    for task in tasks:
        assert len({datablockOf(lfn) for lfn in task}) == 1
    assert sorted(sum(tasks, [])) == sorted(files)


def test_group_is_deterministic_and_deduplicated():
    files = lfns("sub00", 7) + lfns("sub02", 4)
    shuffled = files + files[:3]
    random.Random(1).shuffle(shuffled)
    assert groupByDatablock(shuffled, 3) == groupByDatablock(files, 3)
    assert groupByDatablock(files, 3)[0] == sorted(files)[:3]


def test_same_subNN_of_different_datasets_are_different_blocks():
    tasks = groupByDatablock(["/belle/a/sub00/x.root", "/belle/b/sub00/y.root"], 10)
    assert tasks == [["/belle/a/sub00/x.root"], ["/belle/b/sub00/y.root"]]


def test_group_refuses_lfn_outside_datablock():
    with pytest.raises(ValueError, match="/belle/a/loose.root"):
        groupByDatablock(lfns("sub00", 2) + ["/belle/a/loose.root"], 10)
    with pytest.raises(ValueError):
        groupByDatablock(lfns("sub00", 2), 0)


def test_closed_datablocks_are_those_with_a_later_sibling():
    blocks = {f"{DS}/sub00", f"{DS}/sub01", f"{DS}/sub03", "/belle/b/sub05"}
    assert closedDatablocks(blocks) == {f"{DS}/sub00", f"{DS}/sub01"}


def test_complete_datablocks():
    counts = {f"{DS}/sub00": 999, f"{DS}/sub01": MAX_DATABLOCK_FILES, f"{DS}/sub02": 10, f"{DS}/sub03": 0}
    expected = {"sub00": 999, "sub02": 500}
    assert completeDatablocks(counts, expected, False) == [f"{DS}/sub00", f"{DS}/sub01"]
    # an expected count given by the full datablock path wins over its subNN
    assert completeDatablocks(counts, {f"{DS}/sub02": 10, "sub02": 500}, False) == [f"{DS}/sub01", f"{DS}/sub02"]
    # the producer is done: the partial last block is complete too, never an empty one
    assert completeDatablocks(counts, expected, True) == [f"{DS}/sub00", f"{DS}/sub01", f"{DS}/sub02"]
    assert completeDatablocks({}, expected, True) == []


@pytest.mark.parametrize(
    "task,block", [(1, "sub00"), (1000, "sub00"), (1001, "sub01"), (2000, "sub01"), (2001, "sub02"), (123456, "sub123")]
)
def test_datablock_of_task(task, block):
    assert datablockOfTask(task) == block


@pytest.mark.parametrize("task", [1, 2, 998, 999, 1000, 1001, 4999, 5000])
def test_datablock_of_task_matches_gbasf2_output_names(task):
    lfn = naming.outputLFN("/belle/MC/prod", "out.mdst.root", task - 1, 4242, 0)  # index = task - 1
    assert datablockOf(lfn) == f"/belle/MC/prod/{datablockOfTask(task)}"


def test_datablock_of_task_is_one_based():
    with pytest.raises(ValueError):
        datablockOfTask(0)


@pytest.mark.parametrize(
    "nTasks,expected",
    [
        (0, {}),
        (1, {"sub00": 1}),
        (999, {"sub00": 999}),
        (1000, {"sub00": 1000}),
        (1001, {"sub00": 1000, "sub01": 1}),
        (2500, {"sub00": 1000, "sub01": 1000, "sub02": 500}),
    ],
)
def test_expected_per_block(nTasks, expected):
    assert expectedPerBlock(nTasks) == expected
    assert sum(expectedPerBlock(nTasks).values()) == nTasks


def test_expected_counts_close_the_blocks_of_a_finished_production():
    nTasks = 1500
    produced = {}
    for task in range(1, nTasks + 1):
        block = datablockOf(naming.outputLFN(DS, "out.mdst.root", task - 1, task + 10, 0))
        produced[block] = produced.get(block, 0) + 1
    assert completeDatablocks(produced, expectedPerBlock(nTasks), False) == [f"{DS}/sub00", f"{DS}/sub01"]
    produced[f"{DS}/sub01"] -= 1  # one task still running
    assert completeDatablocks(produced, expectedPerBlock(nTasks), False) == [f"{DS}/sub00"]
