"""The FTS3 path: the ``fts3`` client and Rucio's FTS3 transfertool against an FTS3-REST endpoint of the tests.

No FTS3 server is packaged for this machine, so :mod:`tests.fts3_endpoint` serves FTS3's REST API (TLS with
the stack's CA, proxy delegation, jobs) and really copies ``file://`` URLs with adler32 verification. Here:

* the PyPI ``fts3`` client delegates a user proxy, submits, and reads job states: a good copy is FINISHED
  with identical bytes, a wrong checksum FAILED with FTS's reason and no destination, no delegation is 419;
* Rucio's own ``FTS3Transfertool`` (run in ``.venv-rucio``, where Rucio's server package lives) submits and
  ``bulk_query`` maps the answers to Rucio request states;
* a replication rule between two RSEs of this module is completed by Rucio's conveyor daemons configured with
  ``transfertool = fts3``: the rule becomes OK and the bytes are at the destination.

Isolation from the stack's own conveyor daemons (``b2copy``, running all the time on every request): the
destination RSE of this module is not writable (``availability_write`` false). Rucio then makes no transfer
when the rule is created (the rule is STUCK); Rucio's ``repair_rule`` (the judge-repairer's work, which the
stack does not run) makes it for this one rule because the rule ignores availability. Rucio's submitter only
fetches requests to writable RSEs unless run with ``--ignore-availability``, as only this module's submitter
is (with ``--rses`` and ``--activities``, so that it takes none of the stack's requests). Once submitted, the
requests carry ``transfertool = fts3``, which the stack's poller skips. Finishing does not depend on the
transfertool, so the stack's finisher may do it (or this module's, whichever comes first).

What a run leaves in Rucio's database: the two RSEs with their protocol, distance and account limits (created
once, reused by every run) and history rows (archived requests, rules, DIDs and event messages); the rules,
locks, replicas and DIDs a run creates are deleted, and the files removed from storage.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import textwrap
import time
import uuid
from pathlib import Path

import fts3.rest.client.easy as fts3
import pytest
from fts3.rest.client import Submitter
from fts3.rest.client.exceptions import NeedDelegation

from b2stack import certs, layout, rucio
from BelleDIRAC.Resources.Catalog import lfn_naming
from tests.fts3_endpoint import FTS3Endpoint, adler32_of

RUCIO_PY = layout.RUCIO_VENV / "bin" / "python"
SRC_RSE, DST_RSE = "FTS3IT-SRC", "FTS3IT-DST"
ACTIVITY = "Functional Test"  # one of the generic schema's activities; the stack's own transfers use others
FINAL = {"FINISHED", "FAILED", "FINISHEDDIRTY", "CANCELED"}


@pytest.fixture(scope="module")
def fts(live_stack):
    with FTS3Endpoint() as endpoint:
        yield endpoint


def _context(fts: FTS3Endpoint, cert: Path, key: Path | None = None):
    return fts3.Context(fts.url, ucert=str(cert), ukey=str(key or cert), capath=str(layout.CERT_DIR))


def _wait(ctx, job_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = fts3.get_job_status(ctx, job_id, list_files=True)
        if status["job_state"] in FINAL or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def _payload(directory: Path, name: str, size: int = 200_000) -> tuple[Path, str]:
    path = directory / name
    path.write_bytes(os.urandom(size))
    return path, adler32_of(path)


# ---- the fts3 client ----


def test_fts3_client_without_delegation_gets_419_and_nothing_is_copied(fts, tmp_path):
    ctx = _context(fts, layout.proxy_file("b2analyst2", "belle_user"))
    whoami = fts3.whoami(ctx)
    assert whoami["user_dn"] == "/O=Belle-Local/CN=b2analyst2"  # the proxy's DN without its proxy CN
    ctx.delete(f"/delegation/{whoami['delegation_id']}")
    src, checksum = _payload(tmp_path, "src.dat")
    dst = tmp_path / "out" / "dst.dat"
    transfer = fts3.new_transfer(f"file://{src}", f"file://{dst}", checksum=f"adler32:{checksum}")
    # Submitter is what fts3.submit calls after delegating: without that step, FTS refuses the job.
    with pytest.raises(NeedDelegation):
        Submitter(ctx).submit(transfers=[transfer], verify_checksum="both")
    assert not dst.exists()
    assert not [j for j in fts.jobs.values() if j["user_dn"] == whoami["user_dn"]]


def test_fts3_client_delegates_and_copies_with_adler32_verification(fts, tmp_path):
    proxy = layout.proxy_file("b2analyst", "belle_user")
    ctx = _context(fts, proxy)
    dlg_id = fts3.delegate(ctx, force=True)
    info = ctx.get(f"/delegation/{dlg_id}")
    assert json.loads(info)["user_dn"] == "/O=Belle-Local/CN=b2analyst"

    good, good_sum = _payload(tmp_path, "good.dat")
    bad, _ = _payload(tmp_path, "bad.dat")
    out = tmp_path / "out"
    transfer = fts3.new_transfer(f"file://{good}", f"file://{out}/good.dat", checksum=f"ADLER32:{good_sum}")
    status = _wait(ctx, fts3.submit(ctx, fts3.new_job([transfer], verify_checksum="both")))
    assert (status["job_state"], status["files"][0]["file_state"]) == ("FINISHED", "FINISHED"), status
    assert (out / "good.dat").read_bytes() == good.read_bytes()

    # One good and one wrong checksum in a job: FTS's FINISHEDDIRTY, the bad copy removed with its reason.
    transfers = [
        fts3.new_transfer(f"file://{good}", f"file://{out}/good2.dat", checksum=f"adler32:{good_sum}"),
        fts3.new_transfer(f"file://{bad}", f"file://{out}/bad.dat", checksum="adler32:0badc0de"),
    ]
    status = _wait(ctx, fts3.submit(ctx, fts3.new_job(transfers, verify_checksum="target")))
    states = {Path(f["dest_surl"]).name: (f["file_state"], f["reason"]) for f in status["files"]}
    assert status["job_state"] == "FINISHEDDIRTY", status
    assert states["good2.dat"] == ("FINISHED", None)
    assert states["bad.dat"][0] == "FAILED" and "DESTINATION CHECKSUM MISMATCH" in states["bad.dat"][1]
    assert (out / "good2.dat").read_bytes() == good.read_bytes() and not (out / "bad.dat").exists()

    # With "both", FTS checks the source against the given checksum first: nothing is written at all.
    job = fts3.new_job([fts3.new_transfer(f"file://{bad}", f"file://{out}/bad3.dat", checksum="adler32:0badc0de")],
                       verify_checksum="both")  # fmt: skip
    status = _wait(ctx, fts3.submit(ctx, job))
    assert status["job_state"] == "FAILED" and "SOURCE CHECKSUM MISMATCH" in status["files"][0]["reason"], status
    assert not (out / "bad3.dat").exists()


# ---- Rucio (run in .venv-rucio) ----


@pytest.fixture(scope="module")
def rucio_cfg(fts, tmp_path_factory) -> Path:
    """The server's rucio.cfg with ``[conveyor] transfertool = fts3`` and the host credential for FTS.

    Memcached is left out (an address nothing listens on): Rucio caches RSE attributes for 15 minutes and the
    ``fts`` attribute names this run's endpoint, whose port changes from run to run.
    """
    tmp = tmp_path_factory.mktemp("rucio-fts3")
    cred = tmp / "hostcred.pem"
    cred.write_text(layout.HOST_CERT.read_text() + layout.HOST_KEY.read_text())
    cred.chmod(0o600)
    cfg = configparser.RawConfigParser()
    cfg.read(rucio.SERVER_CFG)
    cfg.remove_section("conveyor")
    cfg["conveyor"] = {"scheme": "file", "transfertool": "fts3", "ftshosts": fts.url, "usercert": str(cred),
                       "cacert": str(layout.CERT_DIR / "ca.pem"), "capath": str(layout.CERT_DIR),
                       "use_preparer": "False"}  # fmt: skip
    cfg["cache"] = {"url": "127.0.0.1:1"}
    path = tmp / "rucio.cfg"
    with path.open("w") as f:
        cfg.write(f)
    path.chmod(0o600)
    return path


def _rucio_env(cfg: Path) -> dict[str, str]:
    return {**rucio.env(), "RUCIO_CONFIG": str(cfg)}


def _rucio_python(code: str, cfg: Path, timeout: float = 120):
    """Run ``code`` with ``.venv-rucio``'s Python; it must assign ``result`` (returned via JSON)."""
    script = textwrap.dedent(code) + "\nimport json\nprint('@@RESULT@@' + json.dumps(result, default=str))\n"
    proc = subprocess.run([str(RUCIO_PY), "-c", script], env=_rucio_env(cfg), cwd=layout.REPO, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@") :])
    raise AssertionError(f"snippet failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def test_rucio_fts3_transfertool_submits_and_bulk_query_maps_states(fts, rucio_cfg, tmp_path):
    # Rucio never delegates by itself: the host credential is delegated beforehand, as FTS sites do by cron.
    fts3.delegate(_context(fts, layout.HOST_CERT, layout.HOST_KEY), force=True)
    good, good_sum = _payload(tmp_path, "good.dat")
    bad, _ = _payload(tmp_path, "bad.dat")
    files = [
        {"request_id": uuid.uuid4().hex, "src": f"file://{good}", "dst": f"file://{tmp_path}/out/good.dat",
         "bytes": good.stat().st_size, "adler32": good_sum},
        {"request_id": uuid.uuid4().hex, "src": f"file://{bad}", "dst": f"file://{tmp_path}/out/bad.dat",
         "bytes": bad.stat().st_size, "adler32": "0badc0de"},
    ]  # fmt: skip
    result = _rucio_python(
        f"""
        import time
        from types import SimpleNamespace as NS
        from rucio.common.types import InternalScope
        from rucio.db.sqla.constants import RequestState, RequestType
        from rucio.db.sqla.session import transactional_session
        from rucio.transfertool.fts3 import FTS3Transfertool

        files, url, rule_id = {files!r}, {fts.url!r}, {uuid.uuid4().hex!r}

        def rse(name):
            return NS(name=name, id=name.lower(), attributes={{}}, is_tape=lambda: False,
                      is_tape_or_staging_required=lambda: False)

        def transfer(f):
            # What Rucio's DirectTransfer offers the transfertool, for a request that is not in the database.
            rws = NS(request_id=f["request_id"], rule_id=rule_id, scope=InternalScope("test"),
                     name=f["dst"].rsplit("/", 1)[1],
                     activity={ACTIVITY!r}, request_type=RequestType.TRANSFER, byte_count=f["bytes"], md5=None,
                     adler32=f["adler32"], attributes={{}}, priority=3, retry_count=0, account=None)
            src, dst = NS(rse=rse({SRC_RSE!r})), NS(rse=rse({DST_RSE!r}))
            return NS(rws=rws, src=src, dst=dst, sources=[src], source_url=lambda s: f["src"], dest_url=f["dst"],
                      use_ipv4=False)

        tool = FTS3Transfertool(external_host=url, group_bulk=10)  # the submitter's --group-bulk
        jobs = tool.group_into_submit_jobs([[transfer(f)] for f in files])
        assert len(jobs) == 1, jobs
        eid = tool.submit(jobs[0]["transfers"], jobs[0]["job_params"])
        lost = "00000000-0000-0000-0000-000000000000"
        requests = {{eid: {{f["request_id"]: {{"request_id": f["request_id"], "external_id": eid,
                                               "state": RequestState.SUBMITTED, "bytes": f["bytes"],
                                               "adler32": f["adler32"], "md5": None, "attributes": {{}}}}
                          for f in files}}, lost: {{}}}}

        @transactional_session
        def poll(*, session=None):
            answer = tool.bulk_query(requests)
            for report in answer[eid].values():
                report.initialize(session)
            return answer

        for _ in range(100):
            answer = poll()
            if all(r.state for r in answer[eid].values()):
                break
            time.sleep(0.2)
        states = {{rid: [r.state.name if r.state else None, r.err_msg] for rid, r in answer[eid].items()}}
        result = {{"eid": eid, "lost": answer[lost], "job_params": jobs[0]["job_params"], "states": states}}
        """,
        rucio_cfg,
    )
    good_id, bad_id = files[0]["request_id"], files[1]["request_id"]
    assert result["job_params"]["verify_checksum"] == "both"
    assert result["states"][good_id] == ["DONE", None]
    assert result["states"][bad_id][0] == "FAILED" and "CHECKSUM MISMATCH" in result["states"][bad_id][1]
    assert result["lost"] is None  # FTS knows no such job: Rucio's "lost transfer"
    assert Path(tmp_path, "out", "good.dat").read_bytes() == good.read_bytes()
    assert not Path(tmp_path, "out", "bad.dat").exists()
    job = fts.jobs[result["eid"]]
    assert job["user_dn"] == certs.host_dn() and job["job_state"] == "FINISHEDDIRTY"


# ---- end to end: a replication rule completed by Rucio's conveyor with the fts3 transfertool ----


@pytest.fixture(scope="module")
def admin(live_stack):
    """A Rucio client of the service account (admin), with the login of the stack's service client cfg."""
    from rucio.client import Client

    cfg = configparser.RawConfigParser()
    cfg.read(layout.RUCIO_SERVICE_CFG)
    c = cfg["client"]
    return Client(rucio_host=c["rucio_host"], auth_host=c["auth_host"], account=c["account"], auth_type="userpass",
                  creds={"username": c["username"], "password": c["password"]})  # fmt: skip


@pytest.fixture(scope="module")
def rses(admin, fts, rucio_cfg):
    """The module's two RSEs, created once and reused by every run; ``fts`` names this run's endpoint."""
    from rucio.common.exception import Duplicate

    _sweep(rucio_cfg)  # what an interrupted earlier run may have left

    all_ops = {"read": 1, "write": 1, "delete": 1}
    for rse in (SRC_RSE, DST_RSE):
        try:
            admin.add_rse(rse, deterministic=True)
        except Duplicate:
            pass
        prefix = rucio.rse_prefix(rse)
        os.makedirs(prefix, exist_ok=True)
        proto = {"scheme": "file", "hostname": "localhost", "port": 0, "prefix": prefix,
                 "impl": "rucio.rse.protocols.posix.Default",
                 "domains": {"lan": all_ops, "wan": {**all_ops, "third_party_copy_read": 1,
                                                     "third_party_copy_write": 1}}}  # fmt: skip
        existing = [p for p in admin.get_rse(rse)["protocols"] if p["scheme"] == "file"]
        if existing and existing[0]["prefix"] != prefix:
            # The stack moved (another checkout on the same Rucio DB). update_protocols cannot name port 0 (the
            # client drops a falsy port from the URL and the server then matches port None), so replace it.
            admin.delete_protocols(rse, "file")
            existing = []
        if not existing:
            admin.add_protocol(rse, proto)
        for key, value in (("lfn2pfn_algorithm", "belleii"), ("fts", fts.url)):
            admin.add_rse_attribute(rse, key, value)
        admin.set_local_account_limit(rucio.SERVICE_ACCOUNT, rse, rucio.ACCOUNT_LIMIT_BYTES)
    # Only --ignore-availability submitters (this module's) fetch requests to a destination that is not writable.
    admin.update_rse(DST_RSE, {"availability_write": False})
    try:
        admin.add_distance(SRC_RSE, DST_RSE, {"distance": 1})
    except Duplicate:
        pass
    yield
    for rse in (SRC_RSE, DST_RSE):
        admin.delete_rse_attribute(rse, "fts")  # the endpoint is gone after this module


def _daemon(name: str, cfg: Path, *args: str) -> None:
    argv = [str(RUCIO_PY), str(layout.RUCIO_VENV / "bin" / f"rucio-{name}"), "--run-once", *args]
    proc = subprocess.run(argv, env=_rucio_env(cfg), cwd=layout.REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"


def _rule_state(admin, rule_id: str, wanted: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while (state := admin.get_replication_rule(rule_id)["state"]) != wanted and time.monotonic() < deadline:
        time.sleep(0.5)
    return state


def test_replication_rule_completed_by_rucio_conveyor_over_fts3(admin, rses, fts, rucio_cfg):
    fts3.delegate(_context(fts, layout.HOST_CERT, layout.HOST_KEY))
    block = f"/belle/ddm/fts3-it-{uuid.uuid4().hex[:8]}"
    scope, name = lfn_naming.lfnToDID(f"{block}/f.root", set(admin.list_scopes()))
    assert scope == "test"
    src_path = Path(rucio.rse_prefix(SRC_RSE) + name.lstrip("/"))
    dst_path = Path(rucio.rse_prefix(DST_RSE) + name.lstrip("/"))
    src_path.parent.mkdir(parents=True)
    data = os.urandom(300_000)
    src_path.write_bytes(data)
    did = {"scope": scope, "name": name}
    try:
        assert admin.add_replicas(SRC_RSE, [{**did, "bytes": len(data), "adler32": adler32_of(src_path)}])
        [rule_id] = admin.add_replication_rule([did], 1, DST_RSE, source_replica_expression=SRC_RSE,
                                               activity=ACTIVITY, ignore_availability=True)  # fmt: skip
        # Rucio makes no transfer to a write-blocked RSE when the rule is made (the rule is STUCK); its
        # judge-repairer does for a rule that ignores availability. The stack runs no repairer, and this one
        # must touch no other rule: its repair_rule is called for this rule only.
        assert admin.get_replication_rule(rule_id)["state"] == "STUCK"
        _rucio_python(f"from rucio.core.rule import repair_rule\nrepair_rule({rule_id!r})\nresult = 1", rucio_cfg)
        assert admin.get_replication_rule(rule_id)["state"] == "REPLICATING"
        conveyor = ["--activities", ACTIVITY]
        _daemon("conveyor-submitter", rucio_cfg, *conveyor, "--rses", DST_RSE, "--ignore-availability")
        # Finishing (replica AVAILABLE, rule OK) does not depend on the transfertool: the stack's finisher,
        # running all the time, usually does it within seconds of the poll; this module's runs if it has not.
        for _attempt in range(3):
            _daemon("conveyor-poller", rucio_cfg, *conveyor, "--older-than", "0")
            if _rule_state(admin, rule_id, "OK", timeout=10) == "OK":
                break
            _daemon("conveyor-finisher", rucio_cfg, *conveyor)
        rule = admin.get_replication_rule(rule_id)
        assert rule["state"] == "OK", rule
        assert dst_path.read_bytes() == data
        replicas = next(admin.list_replicas([did], all_states=True))["states"]
        assert replicas == {SRC_RSE: "AVAILABLE", DST_RSE: "AVAILABLE"}
        # The copy went through this module's endpoint, as the host, for that very request.
        [job] = [
            j for j in fts.jobs.values() if any((f["file_metadata"] or {}).get("name") == name for f in j["files"])
        ]
        assert job["user_dn"] == certs.host_dn() and job["job_state"] == "FINISHED"
        assert job["verify_checksum"] == "both" and job["files"][0]["checksum"] == f"ADLER32:{adler32_of(src_path)}"
    finally:
        _sweep(rucio_cfg)


def _sweep(cfg: Path) -> list[str]:
    """Remove every DID of this module (``test:/belle/ddm/fts3-it-*``), with its rules, replicas and bytes.

    What Rucio's judge-cleaner and reaper would do, for these DIDs only (the stack runs neither, and the REST
    API only soft-deletes rules and never deletes replicas): rules deleted, replicas deleted, after which
    Rucio removes the file DID itself; their queued event messages are archived as hermes does once it
    delivered them. Also clears what an interrupted earlier run left. Returns the names swept, after checking
    that Rucio no longer knows any of them.
    """
    result = _rucio_python(
        f"""
        import json

        from rucio.common.exception import ReplicaNotFound
        from rucio.common.types import InternalScope
        from rucio.core.did import list_dids
        from rucio.core.message import delete_messages, retrieve_messages
        from rucio.core.replica import delete_replicas
        from rucio.core.rse import get_rse_id
        from rucio.core.rule import delete_rule, list_rules

        scope, prefix = InternalScope("test"), "/belle/ddm/fts3-it-"
        def ours():
            dids = list_dids(scope, {{"name": prefix + "*"}}, did_type="file")
            return [d if isinstance(d, str) else d["name"] for d in dids]

        names = ours()
        for name in names:
            for rule in list(list_rules({{"scope": scope, "name": name}})):
                delete_rule(rule["id"], purge_replicas=True, soft=False, ignore_rule_lock=True)
            for rse in ({SRC_RSE!r}, {DST_RSE!r}):
                try:
                    delete_replicas(rse_id=get_rse_id(rse), files=[{{"scope": scope, "name": name}}])
                except ReplicaNotFound:
                    pass
        messages = [m for m in retrieve_messages(bulk=100000) if str(m["payload"].get("name", "")).startswith(prefix)]
        if messages:  # hermes hands them back with the payload as it is stored: JSON text
            delete_messages([{{**m, "payload": json.dumps(m["payload"], default=str)}} for m in messages])
        result = {{"swept": names, "left": ours()}}
        """,
        cfg,
    )
    for rse in (SRC_RSE, DST_RSE):
        for block in Path(rucio.rse_prefix(rse), "belle", "ddm").glob("fts3-it-*"):
            shutil.rmtree(block, ignore_errors=True)
    assert not result["left"], f"Rucio still knows {result['left']}"
    return result["swept"]
