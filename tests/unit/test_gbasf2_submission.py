"""gbasf2's pure decisions: the parametric JDL, the summary, input lists, the payload's command and outputs."""

import pytest

from BelleDIRAC.gbasf2.lib.payload import basf2Command, newOutputs
from BelleDIRAC.gbasf2.lib.proxy import parseLifetime
from BelleDIRAC.gbasf2.lib.submission import (
    Submission,
    SubmissionError,
    formatSeconds,
    jdl,
    parseInputList,
    summary,
)
from BelleDIRAC.WorkloadManagementSystem.Utilities.jdl_policy import checkUserJDL

INPUTS = ["/belle/user/a/in/sub00/f0.root", "/belle/user/a/in/sub00/f1.root"]


def _sub(**kw):
    base = dict(project="p1", user="a", group="belle_user", steering="/tmp/s/steer.py", release="light-2511-gacrux",
                dataset="/belle/user/a/p1", inputs=list(INPUTS), sandbox=["/tmp/s/w.txt"])  # fmt: skip
    base.update(kw)
    return Submission(**base)


def test_jdl_is_one_job_per_input_and_passes_the_jobmanager_policy():
    text = jdl(_sub(priority=3, sites=["LCG.KEK.jp"], bannedSites=["LCG.CNAF.it"], cpuTime=600, basf2opt="-n 10"))
    for part in ['JobGroup = "p1"', 'Executable = "gbasf2-payload"', 'InputData = {"%s"}', "Priority = 3",
                 "CPUTime = 600", 'Site = {"LCG.KEK.jp"}', 'BannedSites = {"LCG.CNAF.it"}',
                 f'Parameters = {{"{INPUTS[0]}", "{INPUTS[1]}"}}', "--index %n --input %s", "--basf2opt -n%2010",
                 'InputSandbox = {"/tmp/s/steer.py", "/tmp/s/w.txt"}']:  # fmt: skip
        assert part in text, part
    assert checkUserJDL(text, ["NormalUser"])["OK"]


@pytest.mark.parametrize("kw", [{"inputs": []}, {"priority": 11}, {"priority": -1}, {"project": 'a"b'}])
def test_bad_submissions_are_refused(kw):
    with pytest.raises(SubmissionError):
        jdl(_sub(**kw))


def test_summary_block():
    text = summary(_sub(), "23:41:07")
    assert "** Project name: p1" in text and "** Job owner: a @ belle_user (23:41:07)" in text
    assert f"** Input files for first job: LFN:{INPUTS[0]}" in text and "** Number of jobs: 2" in text
    assert formatSeconds(3 * 3600 + 62) == "03:01:02"


def test_input_list_format():
    assert parseInputList("# failed\n/belle/a\n\n  /belle/b  # retry\n") == ["/belle/a", "/belle/b"]


def test_payload_command_and_outputs():
    assert basf2Command("basf2", "s.py", ["a.root"], 10, "--arg x") == ["basf2", "s.py", "-i", "a.root", "-n", "10",
                                                                        "--arg", "x"]  # fmt: skip
    before = {"s.py", "a.root"}
    after = before | {"ntuple.root", "log.txt", ".hidden.root", "b.root"}
    assert newOutputs(before, after, ["a.root", "b.root"]) == ["ntuple.root"]


def test_proxy_lifetime():
    assert parseLifetime("24:00") == 86400 and parseLifetime("1:30") == 5400 and parseLifetime("2") == 7200
    for bad in ["abc", "1:75", "0:00", "-1:00", ""]:
        with pytest.raises(ValueError):
            parseLifetime(bad)
