"""Production job logs: where the archive goes (``jobs.logDirectory``, ``payload.logLFN``), which files it
holds (``payload.logFiles``), and that only production jobs, never scouts, are asked to archive."""

from __future__ import annotations

import tarfile

import pytest

from BelleDIRAC.gbasf2.lib import payload
from BelleDIRAC.gbasf2.lib.submission import LOG_FILE
from BelleDIRAC.ProductionSystem.Utilities import jobs
from BelleDIRAC.Resources.Catalog import lfn_naming

OUTPUT = "/belle/MC/mcprod/light-2511-gacrux/MCtest/prod00000012/mdst"
PROD = {"OutputPath": OUTPUT, "Sandbox": "SB:SandboxSE|/S/x.tar.bz2"}
DEFN = {"type": "MCGeneration", "release": "light-2511-gacrux", "steering": "steer.py", "events": 25,
        "events_per_job": 10, "output": {"data_tier": "mdst", "se": "KEK-TMP-SE"}}  # fmt: skip


def test_log_directory_replaces_the_data_tier_by_log():
    assert jobs.logDirectory(OUTPUT) == "/belle/MC/mcprod/light-2511-gacrux/MCtest/prod00000012/log"
    assert jobs.logDirectory(OUTPUT + "/") == jobs.logDirectory(OUTPUT)


def test_log_directory_refuses_what_is_not_an_output_path():
    with pytest.raises(ValueError):
        jobs.logDirectory("mdst")


@pytest.mark.parametrize(
    "index,rr,expected",
    [
        (0, 0, "sub00/00000012_00000001_job42_00.log.tgz"),
        (999, 3, "sub00/00000012_00000001_job42_03.log.tgz"),
        (1000, 0, "sub01/00000012_00000001_job42_00.log.tgz"),
        (5, 250, "sub00/00000012_00000001_job42_99.log.tgz"),
    ],
)
def test_log_lfn_is_in_the_datablock_of_the_outputs(index, rr, expected):
    logDir = jobs.logDirectory(OUTPUT)
    assert payload.logLFN(logDir, "00000012_00000001", index, 42, rr) == f"{logDir}/{expected}"


def test_log_lfn_differs_after_a_reschedule_which_keeps_the_job_id():
    lfns = {payload.logLFN("/belle/x/log", "n", 0, 42, rr) for rr in (0, 1)}
    assert len(lfns) == 2


def test_log_lfn_without_a_name_uses_the_output_number():
    assert payload.logLFN("/belle/x/log", "", 1003, 7, 0) == "/belle/x/log/sub01/01003_job7_00.log.tgz"


def test_log_lfn_is_a_valid_lfn_of_the_production_scope():
    lfn = payload.logLFN(jobs.logDirectory(OUTPUT), jobs.jobName(12, 1), 0, 42, 0)
    assert lfn_naming.validateLFN(lfn) == lfn
    assert lfn_naming.scopeOf(lfn) == lfn_naming.scopeOf(OUTPUT)


def test_log_files_are_the_new_logs_and_always_basf2s():
    before = {"input.root", "pilot.log", "std.out"}
    after = before | {LOG_FILE, "steering_extra.log", "mc.mdst.root", ".hidden.log", "x.log.tgz", "job.info"}
    assert payload.logFiles(before, after) == sorted([LOG_FILE, "steering_extra.log"])
    assert payload.logFiles(before | {LOG_FILE}, before | {LOG_FILE}) == [LOG_FILE]  # basf2's, even if it was there
    assert payload.logFiles(before, before) == []


def test_pack_logs_writes_one_flat_tgz(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / LOG_FILE).write_text("[INFO] basf2 log\n")
    (tmp_path / "extra.log").write_text("more\n")
    payload.packLogs([LOG_FILE, "extra.log"], "a.log.tgz")
    with tarfile.open(tmp_path / "a.log.tgz") as tar:
        assert sorted(tar.getnames()) == sorted([LOG_FILE, "extra.log"])
        assert tar.extractfile(LOG_FILE).read() == b"[INFO] basf2 log\n"


def test_payload_takes_the_log_arguments():
    args = payload.parse(["--steering", "s.py", "--release", "r", "--dataset", OUTPUT, "--index", "1",
                          "--log-dir", "/belle/x/log", "--log-name", "00000012_00000001"])  # fmt: skip
    assert (args.log_dir, args.log_name) == ("/belle/x/log", "00000012_00000001")
    assert payload.parse(["--steering", "s.py", "--release", "r", "--dataset", OUTPUT, "--index", "1"]).log_dir == ""


def test_mc_jobs_archive_their_logs_under_their_job_name():
    jdl = jobs.mcJDL(PROD, DEFN, 12, [1, 2], 10)
    assert f"--log-dir {jobs.logDirectory(OUTPUT)} --log-name 00000012_%s" in jdl
    assert 'JobName = "00000012_%s"' in jdl  # the same %s: the log name is the job name


def test_data_jobs_archive_their_logs_under_their_job_name():
    prod = dict(PROD, OutputPath="/belle/Data/release/r/c/prod00000013/udst")
    jdl = jobs.inputJDL(prod, dict(DEFN, type="DataProcessing"), 13, 4, ["/belle/Data/x/sub00/a.root"])
    assert "--log-dir /belle/Data/release/r/c/prod00000013/log --log-name 00000013_00000004" in jdl


def test_merge_jobs_archive_their_logs_beside_the_production_logs():
    jdl = jobs.inputJDL(PROD, DEFN, 14, 1, [OUTPUT + "/sub00/a.root"], merge=True, blockIndex=0)
    assert f"--log-dir {jobs.logDirectory(OUTPUT)}_merged --log-name 00000014_00000001" in jdl


def test_scouts_archive_nothing():
    assert "--log-dir" not in jobs.mcJDL(PROD, DEFN, 12, [1], 10, scout=True)
    assert "--log-dir" not in jobs.inputJDL(PROD, dict(DEFN, type="DataProcessing"), 12, 1, ["/belle/x/sub00/a.root"],
                                            scoutEvents=10)  # fmt: skip


def _archive(tmp_path, monkeypatch, upload) -> list[tuple]:
    """Run ``payload._archiveLogs`` with ``upload`` standing in for the grid: what it reported and set."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / LOG_FILE).write_text("[FATAL] broken\n")
    calls: list[tuple] = []
    monkeypatch.setattr(payload, "_upload", upload)
    monkeypatch.setattr(payload, "_report", lambda jobID, status: calls.append(("status", status)))
    monkeypatch.setattr(payload, "_jobParameter", lambda jobID, name, value: calls.append((name, value)))
    args = payload.parse(["--steering", "s.py", "--release", "r", "--dataset", OUTPUT, "--index", "1",
                          "--log-dir", "/belle/x/log", "--log-name", "n"])  # fmt: skip
    payload._archiveLogs(args, 42, set(), 0)
    return calls


def test_a_stored_log_is_named_in_job_parameter_log_lfn(tmp_path, monkeypatch):
    uploads = []
    calls = _archive(tmp_path, monkeypatch, lambda files, se, requestFile: uploads.append((files, requestFile)) or [])
    assert calls == [("LogLFN", "/belle/x/log/sub00/n_job42_00.log.tgz")]
    assert uploads == [({"n_job42_00.log.tgz": "/belle/x/log/sub00/n_job42_00.log.tgz"}, payload.LOG_REQUEST_FILE)]


@pytest.mark.parametrize("outcome", [["lost"], RuntimeError("SE down")])
def test_a_log_upload_failure_is_reported_never_raised(tmp_path, monkeypatch, outcome):
    def upload(files, se, requestFile):
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    calls = _archive(tmp_path, monkeypatch, upload)
    assert len(calls) == 1 and calls[0][0] == "status" and calls[0][1].startswith("Log upload failed: /belle/x/log/")
