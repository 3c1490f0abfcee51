"""Typed Belle II metadata and DIRAC metadata queries turned into Rucio filters."""

import pytest

from BelleDIRAC.Resources.Catalog.b2metadata import (
    MetadataError,
    diracKey,
    fieldTypes,
    fromRucio,
    queryToRucioFilters,
    rucioKey,
    validateMetadata,
)


def test_rucio_column_names_are_stored_under_a_prefix_and_read_back():
    assert rucioKey("campaign") == "belle_campaign" and diracKey("belle_campaign") == "campaign"
    assert rucioKey("experimentLow") == "experimentLow" and diracKey("experimentLow") == "experimentLow"
    assert fromRucio({"belle_campaign": "MC15rd_b", "runLow": 1}) == {"campaign": "MC15rd_b", "runLow": 1}


def test_valid_metadata_is_typed_and_renamed():
    meta = validateMetadata({"campaign": "MC15rd_b", "experimentLow": 7, "intLuminosity": 8, "myTag": "x"})
    assert meta == {"belle_campaign": "MC15rd_b", "experimentLow": 7, "intLuminosity": 8.0, "myTag": "x"}


@pytest.mark.parametrize(
    "meta,message",
    [
        ({"experimentLow": "7"}, "must be int"),
        ({"experimentLow": True}, "bool values are not allowed"),
        ({"dataType": "sim"}, "must be one of"),
        ({"bad key": 1}, "is not a name"),
        ({"belle_x": 1}, "reserved"),
        ({"x": [1]}, "list values are not allowed"),
        ({"runLow": 9, "runHigh": 3}, "is above"),
        ({}, "non-empty"),
    ],
)
def test_bad_metadata_is_refused_with_the_key_named(meta, message):
    with pytest.raises(MetadataError, match=message):
        validateMetadata(meta)


def test_plain_and_operator_queries():
    assert queryToRucioFilters({"campaign": "MC15rd_b", "nEvents": {">=": 10, "<": 99}}) == [
        {"belle_campaign": "MC15rd_b", "nEvents.gte": 10, "nEvents.lt": 99}
    ]


def test_in_conditions_multiply_out():
    filters = queryToRucioFilters({"beamEnergy": {"in": ["4S", "5S"]}, "bkgLevel": ["BGx0", "BGx1"]})
    assert len(filters) == 4 and {"beamEnergy": "5S", "bkgLevel": "BGx0"} in filters


@pytest.mark.parametrize(
    "asked,expected",
    [
        (7, {"experimentHigh.gte": 7, "experimentLow.lte": 7}),
        ([7, 9], {"experimentHigh.gte": 7, "experimentLow.lte": 9}),
        ({">=": 7}, {"experimentHigh.gte": 7}),
        ({">": 6, "<": 10}, {"experimentHigh.gte": 7, "experimentLow.lte": 9}),
    ],
)
def test_experiment_ranges_match_overlapping_files(asked, expected):
    assert queryToRucioFilters({"experiment": asked}) == [expected]


@pytest.mark.parametrize(
    "query,message",
    [
        ({"experiment": [9, 3]}, "empty"),
        ({"experiment": "7"}, "takes an integer"),
        ({"runLow": {"nin": [1]}}, "not in"),
        ({"runLow": {"~": 1}}, "unknown operator"),
        ({"x": {"in": list(range(9))}, "y": {"in": list(range(9))}}, "alternatives"),
        ({}, "non-empty"),
    ],
)
def test_bad_queries_are_refused(query, message):
    with pytest.raises(MetadataError, match=message):
        queryToRucioFilters(query)


def test_field_types_are_what_dirac_metaquery_parses():
    types = fieldTypes()
    assert types["experimentLow"] == "INT" and types["campaign"].startswith("VARCHAR") and types["run"] == "INT"
