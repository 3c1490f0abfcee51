"""A job whose output SE is down: its output goes to a failover SE, is registered in Rucio, and reaches the
output SE through a Rucio rule (BelleDIRAC's ReplicateAndRegister handler), never a copy made by DIRAC.

The output SE is banned for writing in DIRAC's Resource Status System by the operator, as on the grid. The
job uploads to its site's SE instead and leaves DIRAC's failover request (ReplicateAndRegister to the output
SE, then RemoveReplica at the failover SE); the RequestExecutingAgent turns the first into a rule owned by
the job's owner, waits until Rucio's daemons have made the replica, then drops the failover copy; the
request is then done and the job Done.
"""

from __future__ import annotations

import uuid

import pytest

from b2stack import rucio

OUTPUT_SE, SITE, FAILOVER_SE = "KEK-TMP-SE", "LCG.DESY.de", "DESY-TMP-SE"

JDL = """[
  Executable = "/bin/sh";
  Arguments = "make.sh {token}";
  JobName = "failover-{token}";
  JobType = "User";
  Site = "{site}";
  StdOutput = "std.out";
  StdError = "std.err";
  InputSandbox = {{"make.sh"}};
  OutputSandbox = {{"std.out", "std.err"}};
  OutputData = {{"LFN:{lfn}"}};
  OutputSE = "{se}";
]"""


@pytest.fixture()
def output_se_down(operator):
    """The output SE banned for writing (and allowed again afterwards, whatever happens)."""
    operator.run("dirac-admin-ban-se", "-m", "-w", OUTPUT_SE, check=True)
    try:
        yield OUTPUT_SE
    finally:
        operator.run("dirac-admin-allow-se", "-m", "-w", OUTPUT_SE, check=True)


def test_output_se_down_goes_to_failover_and_rucio_moves_it(analyst, output_se_down, discard, tmp_path):
    token = uuid.uuid4().hex[:10]
    lfn = f"/belle/user/b2analyst/failover-{token}/sub00/out-{token}.root"
    (tmp_path / "make.sh").write_text(f'echo "payload $1" > out-{token}.root\n')
    (tmp_path / "job.jdl").write_text(JDL.format(token=token, site=SITE, lfn=lfn, se=OUTPUT_SE))
    proc = analyst.run("dirac-wms-job-submit", "job.jdl", cwd=tmp_path, check=True)
    job_id = int(proc.stdout.split("JobID =")[1].split()[0])
    discard.append(job_id)

    final = analyst.wait_status(job_id, {"Done", "Failed", "Killed"}, timeout=300)
    state = analyst.python(f"""
        from DIRAC.RequestManagementSystem.Client.ReqClient import ReqClient
        from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
        from rucio.client import Client
        reqs = ReqClient().readRequestsForJobs([{job_id}])["Value"]["Successful"]
        ops = [(op.Type, op.Status, op.TargetSE, op.SourceSE) for req in reqs.values() for op in req]
        rules = list(Client().list_did_rules("user.b2analyst", "{lfn}"))
        replicas = FileCatalog().getReplicas("{lfn}")["Value"]
        result = dict(ops=ops, rules=rules, replicas=replicas)
        """)
    assert final["Status"] == "Done", (final, state)
    ops = [tuple(op) for op in state["ops"]]
    assert [(t, s) for t, s, *_ in ops] == [("ReplicateAndRegister", "Done"), ("RemoveReplica", "Done")], ops
    assert ops[0][2:] == (OUTPUT_SE, FAILOVER_SE) and ops[1][2] == FAILOVER_SE, ops
    (rule,) = state["rules"]
    assert (rule["rse_expression"], rule["account"], rule["state"]) == (OUTPUT_SE, "b2analyst", "OK"), rule
    assert rule["activity"] == "Analysis Output" and rule["locks_ok_cnt"] == 1, rule
    assert list(state["replicas"]["Successful"][lfn]) == [OUTPUT_SE], "the failover copy must be gone"
    with open(rucio.rse_prefix(OUTPUT_SE) + lfn.lstrip("/")) as fh:
        assert fh.read() == f"payload {token}\n"
    with pytest.raises(FileNotFoundError):
        open(rucio.rse_prefix(FAILOVER_SE) + lfn.lstrip("/"))
