"""gbasf2 naming rules: projects, LPN resolution, output names and the newest-reschedule choice."""

import pytest

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.naming import (
    NamingError,
    datablockFor,
    newestOnly,
    outputLFN,
    outputName,
    resolveLPN,
    splitExts,
    userDataset,
    validateProject,
)


@pytest.mark.parametrize("bad", ["", "a" * 33, "has.dot", "sl/ash", "sp ace", "dollar$", "ümlaut"])
def test_bad_project_names_are_refused(bad):
    with pytest.raises(NamingError):
        validateProject(bad)


def test_project_dataset_and_lpn_resolution():
    assert validateProject("B2JpsiKs_4S-240119") == "B2JpsiKs_4S-240119"
    assert userDataset("alice", "proj") == "/belle/user/alice/proj"
    assert resolveLPN("proj", "alice") == "/belle/user/alice/proj"
    assert resolveLPN("proj/sub00/", "alice") == "/belle/user/alice/proj/sub00"
    assert resolveLPN("/belle/user/bob/p/sub*/x_*.root", "alice") == "/belle/user/bob/p/sub*/x_*.root"
    for bad in ["", "/etc/passwd", "../../etc", "/belle/user/alice/../bob"]:
        with pytest.raises(NamingError):
            resolveLPN(bad, "alice")


def test_output_names_put_the_suffix_before_the_first_dot():
    assert splitExts("x.udst.root") == ("x", ".udst.root") and splitExts(".hidden") == (".hidden", "")
    assert outputName("ntuple.root", 3, 42, 0) == "ntuple_00003_job42_00.root"
    assert outputName("x.udst.root", 12345, 7, 1) == "x_12345_job7_01.udst.root"
    assert datablockFor(999) == "sub00" and datablockFor(1000) == "sub01"
    assert outputLFN("/belle/user/a/p", "n.root", 1000, 5, 2) == "/belle/user/a/p/sub01/n_01000_job5_02.root"


def test_newest_reschedule_only():
    lfns = [
        "/d/sub00/n_00000_job1_00.root",
        "/d/sub00/n_00000_job1_01.root",
        "/d/sub00/n_00001_job2_00.root",
        "/d/sub00/other.root",
        "/d/sub00/n_00000_job1_00.udst.root",
    ]
    assert newestOnly(lfns) == [
        "/d/sub00/n_00000_job1_00.udst.root",
        "/d/sub00/n_00000_job1_01.root",
        "/d/sub00/n_00001_job2_00.root",
        "/d/sub00/other.root",
    ]


def test_job_ids_commas_and_spaces():
    assert cli.jobIDs(["1,2", "3", "2"]) == [1, 2, 3]
    with pytest.raises(SystemExit) as exc:
        cli.jobIDs(["1", "x"])
    assert exc.value.code == cli.EXIT_USAGE


def test_table_aligns_columns():
    text = cli.table(["Job id", "Status"], [[1, "Done"], [12345, "Running"]], "rl")
    lines = text.splitlines()
    assert lines[0] == "Job id   Status" and set(lines[1]) == {"="}
    assert lines[2] == "     1   Done" and lines[3] == " 12345   Running"


def test_confirm_without_terminal_is_no(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", None)
    assert cli.confirm("Delete?") is False
    assert cli.confirm("Delete?", force=True) is True
