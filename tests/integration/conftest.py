"""The live stack for integration tests: reused when ``make up`` already runs it, else started here.

Clients run as real users: each call gets the environment of a user's proxy (made by the stack from
that user's certificate), exactly as an analyst's shell would have after ``dirac-proxy-init``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest

from b2stack import database, layout, procs, rucio, stack

#: Job statuses after which a job holds no slot and waits for nothing
FINAL_JOB_STATES = ("Done", "Failed", "Killed", "Deleted", "Completed")


@pytest.fixture(scope="session")
def live_stack():
    """Make sure every component runs; stop only what this session started."""
    started = stack.status() != 0
    if started:
        stack.up()
    yield
    if started:
        stack.down()


class Client:
    """Runs DIRAC commands and Python snippets with one user's proxy."""

    def __init__(self, user: str, group: str):
        self.user, self.group = user, group
        self.proxy = layout.proxy_file(user, group)
        self.env = procs.base_env([])
        self.env["X509_USER_PROXY"] = str(self.proxy)
        self.env["RUCIO_CONFIG"] = str(rucio.client_cfg(user))  # the user's own Rucio login, as in their shell

    def run(self, *argv: str, cwd=None, timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
        proc = subprocess.run(list(argv), env=self.env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode:
            raise AssertionError(f"{argv} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def python(self, code: str, timeout: float = 120):
        """Run ``code`` after DIRAC.initialize(); it must assign ``result``; returns it (JSON round-trip)."""
        script = "import json, DIRAC\nDIRAC.initialize()\n" + textwrap.dedent(code)
        script += "\nprint('@@RESULT@@' + json.dumps(result, default=str))\n"
        proc = self.run(sys.executable, "-c", script, timeout=timeout)
        for line in proc.stdout.splitlines():
            if line.startswith("@@RESULT@@"):
                return json.loads(line[len("@@RESULT@@") :])
        raise AssertionError(f"snippet failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")

    def wait_status(self, job_id: int, final: set[str], timeout: float = 240) -> dict:
        """Poll the job's status until it is in ``final``; fail with the last status after ``timeout``."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            last = self.python(f"""
                from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
                res = JobMonitoringClient().getJobsStates([{job_id}])
                result = res["Value"].get({job_id}) or res["Value"].get("{job_id}") if res["OK"] else res
                """)
            if last and last.get("Status") in final:
                return last
            time.sleep(3)
        raise AssertionError(f"job {job_id} not in {final} after {timeout} s; last: {last}")


def _user(user: str, group: str):
    """A session fixture giving ``user``'s client with a proxy of ``group``."""

    @pytest.fixture(scope="session")
    def fixture(live_stack) -> Client:
        return Client(user, group)

    return fixture


analyst = _user("b2analyst", "belle_user")
analyst2 = _user("b2analyst2", "belle_user")
prodmgr = _user("b2prodmgr", "belle_prod")
operator = _user("b2operator", "belle_admin")


@pytest.fixture(scope="session")
def jobdb(live_stack):
    """A direct, read-only look at JobDB in MariaDB (to prove what did or did not reach it)."""
    conn = database.connect("JobDB")
    yield conn
    conn.close()


@pytest.fixture()
def discard(analyst):
    """Job IDs a test appends here are deleted when it ends, passed or failed: the local pilots must not
    inherit a backlog that starves the tests after it."""
    jobs: list[int] = []
    yield jobs
    if jobs:
        analyst.python(f"""
            from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
            result = WMSClient().deleteJob({sorted(set(jobs))})["OK"]
            """)


@pytest.fixture(scope="module", autouse=True)
def quiet_grid_after_module(prodmgr, operator, jobdb):
    """When a test module ends, its productions stop and its unfinished jobs are killed and deleted.

    Three local pilots run one job at a time: a module that leaves a running sleeper, a queued scout set or an
    Active production behind would hold the slots the next module's jobs wait for.
    """
    yield
    prodmgr.python("""
        from BelleDIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
        client = ProductionClient()
        res = client.getBelleProductions({"Status": ["New", "Validating", "Active"]})
        result = [client.setBelleProductionState(p["ProductionID"], "stop")["OK"] for p in res.get("Value") or []]
        """)
    with jobdb.cursor() as cur:
        cur.execute(f"SELECT JobID FROM Jobs WHERE Status NOT IN {tuple(FINAL_JOB_STATES)}")
        unfinished = sorted(int(row[0]) for row in cur.fetchall())
    if unfinished:
        operator.python(f"""
            from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient
            WMSClient().killJob({unfinished})
            result = WMSClient().deleteJob({unfinished})["OK"]
            """)


def register_inputs(client: Client, block: str, files: dict[str, str], se: str = "KEK-TMP-SE") -> None:
    """Put ``{name: content}`` on ``se`` and register them in the datablock ``block``, the DIRAC way."""
    import tempfile

    with tempfile.TemporaryDirectory() as src:
        for name, content in files.items():
            with open(f"{src}/{name}", "w") as fh:
                fh.write(content)
        result = client.python(f"""
            from DIRAC.DataManagementSystem.Client.DataManager import DataManager
            dm = DataManager()
            result = [dm.putAndRegister("{block}/" + n, "{src}/" + n, "{se}") for n in {sorted(files)!r}]
            """)
    assert all(r["OK"] and not r["Value"]["Failed"] for r in result), result


@pytest.fixture()
def own_proxy(analyst, tmp_path):
    """b2analyst's environment with a passphrase-protected key (``s3cret``) and a proxy location of the test's
    own: what an analyst's shell has before ``gb2_proxy_init``. Returns ``(env, proxy path)``."""
    cert = layout.user_dir("b2analyst") / "usercert.pem"
    key = tmp_path / "userkey.pem"
    subprocess.run(["openssl", "pkey", "-in", str(layout.user_dir("b2analyst") / "userkey.pem"), "-aes256",
                    "-passout", "pass:s3cret", "-out", str(key)], check=True)  # fmt: skip
    key.chmod(0o600)
    env = dict(analyst.env, X509_USER_CERT=str(cert), X509_USER_KEY=str(key), X509_USER_PROXY=str(tmp_path / "px"))
    return env, tmp_path / "px"
