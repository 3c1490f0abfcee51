"""The Belle II JDL policy: strict syntax, reserved attributes, LFNs and sandbox paths."""

import pytest

from BelleDIRAC.WorkloadManagementSystem.Utilities.jdl_policy import JDLError, checkUserJDL, parseJDL

USER = ["NormalUser"]
GOOD = """[
    Executable = "/bin/sh";
    Arguments = "run.sh \\"quoted\\"";
    JobName = Name;
    InputSandbox = {run.sh, "LFN:/belle/user/b2analyst/p/sub00/f.root"};
    InputData = {LFN:/belle/MC/release-08/DB00/prod01/s00/e1003/4S/r00000/mixed/mdst/sub00/mdst_000001.root};
    OutputSandbox = {"std.out", "*.log"};
    Parameters = 2;
    Parameters.args = {1, 2};
    args = %(args)s;
    Priority = 1;
]"""


def refused(jdl: str, properties=USER) -> str:
    res = checkUserJDL(jdl, properties)
    assert not res["OK"], f"accepted: {jdl}"
    return res["Message"]


def test_dirac_api_style_jdl_is_accepted_and_parsed():
    res = checkUserJDL(GOOD, USER)
    assert res["OK"], res
    attrs = res["Value"]
    assert attrs["Arguments"] == 'run.sh "quoted"'
    assert attrs["JobName"] == "Name"
    assert attrs["InputSandbox"] == ["run.sh", "LFN:/belle/user/b2analyst/p/sub00/f.root"]
    assert attrs["Parameters.args"] == ["1", "2"]


@pytest.mark.parametrize(
    "jdl,words",
    [
        ('[ Executable = "/bin/echo"; Arguments = "unterminated; ]', "unterminated string"),
        ("garbage", "expected 'Name = value;'"),
        ("[]", "no attribute"),
        ('[ Executable = "/bin/echo" Arguments = "x"; ]', "not followed by ';'"),
        ('[ InputSandbox = {"a", "b"; ]', "not closed"),
        ('[ InputSandbox = {"a" "b"}; ]', "separated by commas"),
        ("[ Executable = ; ]", "has no value"),
        ('[ Executable = "a"; executable = "b"; ]', "set twice"),
        ('[ Executable = "a";', "does not end with ']'"),
    ],
)
def test_malformed_jdl_is_refused_with_the_reason(jdl, words):
    assert words in refused(jdl)


@pytest.mark.parametrize("attr", ["Owner", "OwnerDN", "OwnerGroup", "VirtualOrganization", "VO"])
def test_identity_attributes_are_refused_even_for_admins(attr):
    jdl = f'[ Executable = "/bin/true"; {attr} = "someone"; ]'
    for props in (USER, ["JobAdministrator"], ["ProductionManagement"]):
        assert f"JDL attribute {attr} is reserved" in refused(jdl, props)


@pytest.mark.parametrize("attr", ["JobPath"])
def test_steering_attributes_only_for_job_admins_and_production(attr):
    jdl = f'[ Executable = "/bin/true"; {attr} = "JobPath, JobScheduling"; ]'
    assert "reserved and may not be set by users" in refused(jdl, USER)
    assert checkUserJDL(jdl, ["NormalUser", "JobAdministrator"])["OK"]
    assert checkUserJDL(jdl, ["ProductionManagement"])["OK"]


@pytest.mark.parametrize(
    "lfn,why",
    [
        ("LFN:/belle/../etc/passwd", "normalized"),
        ("LFN:/atlas/data/x.root", "not below /belle/"),
        ("LFN:belle/relative.root", "not below /belle/"),
        ("LFN:/belle/user//x.root", "normalized"),
        ("LFN:/belle/user/./x.root", "normalized"),
        ("LFN:/belle/user/x.root;rm", "characters"),
        ("LFN:/belle/user/x y.root", "characters"),
        ("LFN:/belle/" + "a" * 1100, "longer than"),
    ],
)
def test_bad_lfns_in_input_data_and_sandbox_are_refused(lfn, why):
    for attr in ("InputData", "InputSandbox"):
        message = refused(f'[ Executable = "/bin/true"; {attr} = {{"{lfn}"}}; ]')
        assert attr in message and why in message, message


def test_input_data_as_list_checks_every_entry():
    jdl = '[ Executable = "/bin/true"; InputData = {"/belle/a.root", "/belle/b/../../c"}; ]'
    assert "/belle/b/../../c" in refused(jdl)


def test_parametric_placeholders_are_allowed_in_lfns():
    jdl = '[ Executable = "/bin/true"; Parameters = {"a", "b"}; InputData = {"/belle/user/u/p/sub00/%s.root"}; ]'
    assert checkUserJDL(jdl, USER)["OK"]


@pytest.mark.parametrize("entry", ["/etc/passwd", "../../secret", "logs/../../x"])
def test_output_sandbox_must_stay_in_the_job_directory(entry):
    assert "OutputSandbox" in refused(f'[ Executable = "/bin/true"; OutputSandbox = {{"{entry}"}}; ]')


def test_output_path_may_not_escape():
    assert "OutputPath" in refused('[ Executable = "/bin/true"; OutputPath = "/belle/user/u/../../x"; ]')


def test_parse_error_type():
    with pytest.raises(JDLError):
        parseJDL('[ A = "x ]')


def test_handlers_override_submit_only():
    """Both JobManager handlers take submitJob from BelleDIRAC and everything else from DIRAC."""
    from DIRAC.WorkloadManagementSystem.Service.JobManagerHandler import JobManagerHandlerMixin as DIRACMixin

    from BelleDIRAC.WorkloadManagementSystem.Service.JobManagerHandler import JobManagerHandler
    from BelleDIRAC.WorkloadManagementSystem.Service.TornadoJobManagerHandler import TornadoJobManagerHandler

    for handler in (JobManagerHandler, TornadoJobManagerHandler):
        assert handler.export_submitJob.__module__.startswith("BelleDIRAC.")
        for name in ("export_killJob", "export_deleteJob", "export_rescheduleJob", "export_confirmBulkSubmission"):
            assert getattr(handler, name) is getattr(DIRACMixin, name)


@pytest.mark.parametrize(
    "attrs,why",
    [
        ('ScoutID = "junk"', "ScoutID: ScoutID 'junk' is not a list of job IDs"),
        ('ScoutID = "1:100000"', "is not 1 to 100 positive job IDs"),
        ('ScoutFlag = "yes"', "ScoutFlag must be a non-negative integer"),
        ("ScoutEvents = -5", "ScoutEvents must be a non-negative integer"),
        ('Events = "1e9"', "Events must be a non-negative integer"),
    ],
)
def test_scouting_attributes_are_checked(attrs, why):
    assert why in refused(f'[ Executable = "/bin/true"; {attrs}; ]', USER)


def test_scouting_attributes_of_a_normal_scouted_set_pass():
    assert checkUserJDL('[ Executable = "/bin/true"; ScoutID = "12:13,15"; Events = 1000; ]', USER)["OK"]
    assert checkUserJDL('[ Executable = "/bin/true"; ScoutFlag = 1; ScoutEvents = 10; ]', USER)["OK"]


def test_a_bare_placeholder_lfn_is_checked_through_its_parameter_values():
    good = '[ Executable = "x"; Parameters = {"/belle/user/u/p/sub00/a.root"}; InputData = {"%s"}; ]'
    assert checkUserJDL(good, [])["OK"]
    named = '[ Executable = "x"; Parameters.In = {"/belle/a/b.root", "/belle/a/c.root"}; InputData = {"%(In)s"}; ]'
    assert checkUserJDL(named, [])["OK"]
    for bad in [
        '[ Executable = "x"; Parameters = {"/etc/passwd"}; InputData = {"%s"}; ]',
        '[ Executable = "x"; Parameters = 3; InputData = {"%s"}; ]',
        '[ Executable = "x"; Parameters.In = {"/belle/../etc"}; InputData = "%(In)s"; ]',
    ]:
        result = checkUserJDL(bad, [])
        assert not result["OK"] and ("InputData" in result["Message"] or "LFN" in result["Message"]), bad


def test_bulk_transformation_jdl_with_nested_lists_is_accepted_and_every_lfn_checked():
    """DIRAC's WorkflowTaskAgent (bulk) writes one list per job; the policy reads into the nested lists."""
    bulk = ('[ Executable = "/bin/true"; Parameters = 2; Parameters.Site = { {ANY}, {ANY} }; '
            'Parameters.InputData = { {"/belle/a.root", "/belle/b.root"}, {"/belle/c.root"} }; InputData = "%(InputData)s"; ]')  # fmt: skip
    parsed = checkUserJDL(bulk, USER)
    assert parsed["OK"], parsed
    assert parsed["Value"]["Parameters.Site"] == [["ANY"], ["ANY"]]
    bad = bulk.replace("/belle/b.root", "/belle/b/../../etc")
    assert "/belle/b/../../etc" in refused(bad)
    assert "not closed" in refused('[ Executable = "/bin/true"; Parameters.Site = { {ANY}, {ANY} ; ]')
