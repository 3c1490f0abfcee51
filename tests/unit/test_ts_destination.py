"""Destination choice for transformations: best weighted free space, never a nearly full or unknown SE."""

import pytest

from BelleDIRAC.TransformationSystem.Utilities.destination import chooseDestination, spreadTasks

TB = 10**12
USAGE = {"A-SE": (50 * TB, 100 * TB), "B-SE": (20 * TB, 100 * TB), "C-SE": (10 * TB, 200 * TB)}


def test_best_free_fraction_wins():
    assert chooseDestination(["A-SE", "B-SE", "C-SE"], USAGE, {}) == "C-SE"  # 0.95 free


def test_weights_scale_the_free_fraction():
    assert chooseDestination(["A-SE", "B-SE", "C-SE"], USAGE, {"A-SE": 2.0}) == "A-SE"  # 0.5 * 2
    assert chooseDestination(["B-SE", "C-SE"], USAGE, {"C-SE": 0}) == "B-SE"  # weight 0: not used


def test_full_and_unknown_SEs_are_skipped():
    usage = {"A-SE": (95, 100), "B-SE": (94, 100), "Z-SE": (0, 0)}
    assert chooseDestination(["A-SE", "B-SE", "U-SE", "Z-SE"], usage, {}) == "B-SE"
    assert chooseDestination(["A-SE", "B-SE"], usage, {}, maxFill=0.9) is None
    assert chooseDestination(["U-SE"], usage, {}) is None
    assert chooseDestination([], usage, {}) is None


def test_ties_go_alphabetically():
    usage = {"B-SE": (1, 10), "A-SE": (1, 10), "C-SE": (1, 10)}
    assert chooseDestination(["C-SE", "B-SE", "A-SE"], usage, {}) == "A-SE"


def test_network_weights_apply_only_with_a_source_site():
    network = {("LCG.KEK.jp", "B-SE"): 3.0, ("LCG.KEK.jp", "C-SE"): 0.5}
    candidates = ["A-SE", "B-SE", "C-SE"]
    assert chooseDestination(candidates, USAGE, {}, "LCG.KEK.jp", networkWeights=network) == "B-SE"
    assert chooseDestination(candidates, USAGE, {}, None, networkWeights=network) == "C-SE"
    assert chooseDestination(candidates, USAGE, {}, "LCG.Other.org", networkWeights=network) == "C-SE"


def test_spread_is_proportional_to_weighted_free_bytes():
    usage = {"A-SE": (0, 300), "B-SE": (0, 100)}
    assert spreadTasks(8, ["A-SE", "B-SE"], usage, {}) == {"A-SE": 6, "B-SE": 2}
    assert spreadTasks(8, ["A-SE", "B-SE"], usage, {"B-SE": 3.0}) == {"A-SE": 4, "B-SE": 4}


def test_spread_largest_remainder_and_ties():
    usage = {"A-SE": (0, 100), "B-SE": (0, 100), "C-SE": (0, 100)}
    assert spreadTasks(4, ["C-SE", "B-SE", "A-SE"], usage, {}) == {"A-SE": 2, "B-SE": 1, "C-SE": 1}
    assert spreadTasks(1, ["C-SE", "B-SE", "A-SE"], usage, {}) == {"A-SE": 1}
    uneven = {"A-SE": (0, 50), "B-SE": (0, 30), "C-SE": (0, 20)}  # quotas 3.5, 2.1, 1.4 of 7
    assert spreadTasks(7, ["A-SE", "B-SE", "C-SE"], uneven, {}) == {"A-SE": 4, "B-SE": 2, "C-SE": 1}


@pytest.mark.parametrize("nTasks", [0, 1, 7, 100, 1001])
def test_spread_sums_to_nTasks(nTasks):
    result = spreadTasks(nTasks, ["A-SE", "B-SE", "C-SE"], USAGE, {"A-SE": 1.3})
    assert sum(result.values()) == nTasks


def test_spread_skips_full_and_unknown_SEs():
    usage = {"A-SE": (96, 100), "B-SE": (10, 100)}
    assert spreadTasks(5, ["A-SE", "B-SE", "U-SE"], usage, {}) == {"B-SE": 5}
    assert spreadTasks(5, ["A-SE", "U-SE"], usage, {}) == {}
    with pytest.raises(ValueError):
        spreadTasks(-1, ["B-SE"], usage, {})


def test_blocks_are_shared_by_free_space_and_weight_and_never_sent_to_a_full_se():
    from BelleDIRAC.TransformationSystem.Utilities.destination import assignDestinations

    usage = {"A": (0, 100), "B": (50, 100), "FULL": (99, 100)}
    blocks = [f"/belle/MC/x/sub{i:02d}" for i in range(3)]
    assert assignDestinations(blocks, ["A", "B", "FULL"], usage, {}) == {blocks[0]: "A", blocks[1]: "A", blocks[2]: "B"}
    assert set(assignDestinations(blocks, ["A", "B"], usage, {"A": 0}).values()) == {"B"}
    assert assignDestinations(blocks, ["FULL", "UNKNOWN"], usage, {}) == {}
    assert assignDestinations([], ["A"], usage, {}) == {}
