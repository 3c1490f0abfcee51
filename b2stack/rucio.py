"""A real Rucio server in the stack: the file, replica and metadata catalog Belle II uses.

What ``up`` gets from here (see docs/stack.md):

* :func:`prepare` (run in ``.venv``): PostgreSQL running, the stack's own database ``<prefix>rucio``
  created if missing, ``.stack/etc/rucio/`` written (server cfg, alembic.ini, one client cfg per user in
  ``.stack/user/<name>/rucio.cfg``), then :func:`bootstrap` run in ``.venv-rucio``.
* :func:`bootstrap` (run in ``.venv-rucio``, talks to the DB directly, no server needed): Rucio's schema and
  root account only if the DB has none (what Rucio's ``tools/bootstrap.py`` does), then, idempotently,
  accounts, identities, scopes, RSEs, distances and account limits. Nothing existing is dropped.
* :func:`components`: our memcached, gunicorn serving Rucio's REST API, and the daemons that turn rules
  into transfers (conveyor submitter/poller/finisher with the ``b2copy`` transfertool, judge-evaluator).

Naming follows :mod:`BelleDIRAC.Resources.Catalog.lfn_naming` (the server's policy package
:mod:`b2stack.rucio_policy` uses it): the DID name is the LFN, scopes are those ``scopeOf`` can return.
The server speaks plain HTTP with userpass on 127.0.0.1 only (see :func:`server_url`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from b2stack import layout

ETC = layout.path("etc", "rucio")
SERVER_CFG = ETC / "rucio.cfg"
ALEMBIC_INI = ETC / "alembic.ini"
SERVICE_ACCOUNT = "dirac"
# Scopes that lfn_naming.scopeOf returns for non-personal LFNs; per-user scopes are added per user.
SHARED_SCOPES = ("mc", "mc_tmp", "data", "data_tmp", "raw", "hraw", "user", "group", "collection", "mock", "test",
                 "other")  # fmt: skip
ACCOUNT_LIMIT_BYTES = 10**13  # 10 TB per account and RSE: large enough never to stop a test
# Operators and production managers (productions write the shared mc/data scopes) are Rucio admins.
ADMIN_GROUPS = ("belle_admin", "belle_prod")


def server_url() -> str:
    return f"http://127.0.0.1:{layout.RUCIO_PORT}"


def password(account: str) -> str:
    """The userpass password of a stack account: local test credentials, like the DB password."""
    return os.environ.get("B2_RUCIO_ROOT_PASSWORD", "b2rucio-root") if account == "root" else f"{account}-rucio-local"


def db_url() -> str:
    return f"postgresql+psycopg://{layout.PG_USER}@{layout.PG_HOST}:{layout.PG_PORT}/{layout.RUCIO_DB}"


def scopes_for(users) -> dict[str, str]:
    """{scope: owner}: shared scopes belong to the service account, ``user.<name>`` to each user."""
    out = dict.fromkeys(SHARED_SCOPES, SERVICE_ACCOUNT)
    out.update({f"user.{u.name}": u.name for u in users})
    return out


def rse_prefix(se: str) -> str:
    """The directory of DIRAC's File SE ``se`` (csgen.resources), so Rucio and DIRAC share the bytes."""
    return str(layout.path("storage", se)) + "/"


def _site_packages() -> Path:
    return next((layout.RUCIO_VENV / "lib").glob("python3*/site-packages"))


def server_cfg_text() -> str:
    """The server's rucio.cfg (also read by the daemons and by :func:`bootstrap`)."""
    return f"""\
# Written by b2stack/rucio.py on every `make up`: edit that file, not this one.
[common]
logdir = {layout.LOG_DIR}
loglevel = INFO
extract_scope = belleii

[database]
default = {db_url()}
pool_reset_on_return = rollback
echo = 0

[bootstrap]
userpass_identity = root
userpass_pwd = {password("root")}
userpass_email = root@localhost
x509_identity =
x509_email =
gss_identity =
gss_email =
ssh_identity =
ssh_email =

[alembic]
cfg = {ALEMBIC_INI}

[cache]
url = 127.0.0.1:{layout.RUCIO_MEMCACHED_PORT}

[policy]
package = b2stack.rucio_policy
permission = generic
schema = generic
lfn2pfn_algorithm_default = belleii
extract_scope = belleii

[conveyor]
scheme = file
transfertool = b2copy
use_preparer = False

[monitor]
enable_metrics = False

{_client_section("root")}"""


def _client_section(account: str) -> str:
    return f"""\
[client]
rucio_host = {server_url()}
auth_host = {server_url()}
auth_type = userpass
account = {account}
username = {account}
password = {password(account)}
request_retries = 3
"""


def client_cfg_text(account: str) -> str:
    """A client rucio.cfg for ``account`` (userpass): ``RUCIO_CONFIG=<it> rucio whoami`` works."""
    return f"""\
# Written by b2stack/rucio.py: Rucio client settings for account {account} of the local stack.
[common]
extract_scope = belleii

{_client_section(account)}
[policy]
extract_scope = belleii
"""


def alembic_ini_text() -> str:
    return f"""\
[alembic]
sqlalchemy.url = {db_url()}
script_location = {_site_packages() / "rucio" / "db" / "sqla" / "migrate_repo"}

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %%(levelname)s [%%(name)s] %%(message)s
"""


def client_cfg(user: str) -> Path:
    return layout.user_dir(user) / "rucio.cfg"


def env() -> dict[str, str]:
    """Environment of every Rucio process: its cfg, our policy package and lfn_naming importable."""
    out = {k: v for k, v in os.environ.items() if k not in ("RUCIO_HOME", "PYTHONHOME", "VIRTUAL_ENV")}
    out.update(
        RUCIO_CONFIG=str(SERVER_CFG),
        PYTHONPATH=f"{layout.REPO}:{layout.REPO / 'src'}",
        PATH=f"{layout.RUCIO_VENV / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
    )
    return out


def components() -> list[tuple[str, list[str], dict, int | None]]:
    """(name, argv, env, port) of the Rucio processes, in start order (see ``stack.components``)."""
    py = str(layout.RUCIO_VENV / "bin" / "python")
    memcached = shutil.which("memcached") or "/usr/bin/memcached"
    mc_argv = [memcached, "-l", "127.0.0.1", "-p", str(layout.RUCIO_MEMCACHED_PORT), "-U", "0", "-m", "128"]
    if os.geteuid() == 0:
        mc_argv += ["-u", "nobody"]  # memcached refuses to run as root
    gunicorn = [str(layout.RUCIO_VENV / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{layout.RUCIO_PORT}",
                "--workers", "4", "--timeout", "300", "--no-control-socket", "--chdir", str(layout.REPO),
                "rucio.web.rest.flaskapi.v1.main:application"]  # fmt: skip
    tt = [py, "-m", "b2stack.rucio_transfertool"]
    e = env()
    return [
        ("rucio-memcached", mc_argv, e, layout.RUCIO_MEMCACHED_PORT),
        ("rucio-server", gunicorn, e, layout.RUCIO_PORT),
        # Short sleeps: a rule on a test file should be OK in seconds, not the production minutes.
        ("rucio-judge-evaluator", [*tt, "judge-evaluator", "--sleep-time", "2"], e, None),
        ("rucio-submitter", [*tt, "conveyor-submitter", "--sleep-time", "2"], e, None),
        ("rucio-poller", [*tt, "conveyor-poller", "--sleep-time", "2", "--older-than", "0"], e, None),
        ("rucio-finisher", [*tt, "conveyor-finisher", "--sleep-time", "2"], e, None),
    ]


def wait_ready(timeout: float = 90.0) -> str:
    """Wait until the REST API answers ``/ping`` (gunicorn opens its port before its workers import Rucio)."""
    import json
    import time
    import urllib.request

    from b2stack import procs

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{server_url()}/ping", timeout=5) as resp:
                return f"Rucio {json.load(resp)['version']} answers on {server_url()}"
        except OSError:
            if not procs.running_pid("rucio-server"):
                break
            time.sleep(0.5)
    raise SystemExit(f"the Rucio server does not answer {server_url()}/ping:\n{procs.tail('rucio-server', 40)}")


# ---- PostgreSQL (run from .venv, with the psql client: no driver needed there) ----


def _psql(sql: str, db: str = "postgres") -> str:
    argv = ["psql", "-h", layout.PG_HOST, "-p", str(layout.PG_PORT), "-U", layout.PG_USER, "-d", db, "-v",
            "ON_ERROR_STOP=1", "-tAc", sql]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if proc.returncode:
        raise SystemExit(f"psql failed ({sql!r}): {proc.stderr.strip()}")
    return proc.stdout.strip()


def ensure_postgres() -> None:
    """Start the Debian PostgreSQL cluster if nothing answers on the configured port."""
    from b2stack.database import await_started, port_open

    if port_open(layout.PG_HOST, layout.PG_PORT):
        return
    if not shutil.which("pg_lsclusters"):
        raise SystemExit("PostgreSQL is not running and not installed: apt-get install postgresql (make install)")
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split()
    if len(clusters) < 2:
        raise SystemExit("PostgreSQL has no cluster (pg_lsclusters is empty): pg_createcluster <version> main")
    from b2stack.log import say

    say(f"starting PostgreSQL {clusters[0]}/{clusters[1]}")
    subprocess.run(["pg_ctlcluster", clusters[0], clusters[1], "start"], check=True)
    await_started("PostgreSQL", layout.PG_HOST, layout.PG_PORT)


def drop_database() -> str | None:
    """Drop the stack's own Rucio database (``make clean``); None if PostgreSQL is not running."""
    from b2stack.database import port_open

    if not port_open(layout.PG_HOST, layout.PG_PORT):
        return None
    _psql(f'DROP DATABASE IF EXISTS "{layout.RUCIO_DB}"')
    return layout.RUCIO_DB


def ensure_database() -> bool:
    """Create the stack's Rucio database if missing; True if created now."""
    if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{layout.RUCIO_DB}'") == "1":
        return False
    _psql(f'CREATE DATABASE "{layout.RUCIO_DB}"')
    return True


def write_configs() -> None:
    ETC.mkdir(parents=True, exist_ok=True)
    for path, text in [(SERVER_CFG, server_cfg_text()), (ALEMBIC_INI, alembic_ini_text())]:
        path.write_text(text)
        path.chmod(0o600)
    targets = {client_cfg(u.name): u.name for u in layout.USERS} | {layout.RUCIO_SERVICE_CFG: SERVICE_ACCOUNT}
    for path, account in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(client_cfg_text(account))
        path.chmod(0o600)


def prepare() -> str:
    """Everything Rucio needs before its processes start; returns a one-line summary for ``say``."""
    python = layout.RUCIO_VENV / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"no Rucio server venv at {layout.RUCIO_VENV}: run `make install` (b2stack/rucio_install.sh)")
    ensure_postgres()
    created = ensure_database()
    write_configs()
    proc = subprocess.run([str(python), "-m", "b2stack.rucio", "bootstrap"], env=env(), cwd=layout.REPO,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"Rucio bootstrap failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    return f"Rucio DB {layout.RUCIO_DB} ({'created' if created else 'kept'}); {summary}"


# ---- bootstrap (run in .venv-rucio) ----


def _once(fn, *args, **kwargs) -> bool:
    """Call a Rucio gateway function; False if what it adds exists already."""
    from rucio.common.exception import Duplicate, RSEProtocolPriorityError

    try:
        fn(*args, **kwargs)
        return True
    except (Duplicate, RSEProtocolPriorityError):
        return False


def bootstrap() -> str:
    """Schema and root account on a fresh DB, then the stack's accounts, scopes and RSEs (idempotent)."""
    from rucio.db.sqla.session import get_engine
    from rucio.db.sqla.util import build_database, create_base_vo, create_root_account
    from sqlalchemy import inspect, text

    engine = get_engine()
    fresh = not inspect(engine).has_table("accounts")
    if fresh:
        build_database()
    with engine.connect() as conn:
        has_vo = conn.execute(text("SELECT count(*) FROM vos WHERE vo = 'def'")).scalar()
        has_root = conn.execute(text("SELECT count(*) FROM accounts WHERE account = 'root'")).scalar()
    if not has_vo:
        create_base_vo()
    if not has_root:
        create_root_account()

    from rucio.gateway import account, account_limit, identity, rse, scope

    issuer, added = "root", []
    accounts = [(u.name, "USER", bool(set(ADMIN_GROUPS) & set(u.groups))) for u in layout.USERS] + [
        (SERVICE_ACCOUNT, "SERVICE", True)
    ]
    for name, type_, admin in accounts:
        if _once(account.add_account, name, type_, f"{name}@localhost", issuer):
            added.append(f"account {name}")
        if admin:
            _once(account.add_account_attribute, "admin", "True", name, issuer)
    for u in layout.USERS:
        _once(identity.add_account_identity, u.name, "userpass", u.name, f"{u.name}@localhost", issuer,
              default=True, password=password(u.name))  # fmt: skip
        _once(identity.add_account_identity, u.dn, "x509", u.name, f"{u.name}@localhost", issuer, default=True)
    from b2stack import certs

    _once(identity.add_account_identity, SERVICE_ACCOUNT, "userpass", SERVICE_ACCOUNT, "dirac@localhost", issuer,
          default=True, password=password(SERVICE_ACCOUNT))  # fmt: skip
    _once(identity.add_account_identity, certs.host_dn(), "x509", SERVICE_ACCOUNT, "dirac@localhost", issuer,
          default=True)  # fmt: skip
    for name, owner in scopes_for(layout.USERS).items():
        if _once(scope.add_scope, name, owner, issuer):
            added.append(f"scope {name}")
    ses = [s.se for s in layout.SITES]
    for se in ses:
        if _once(rse.add_rse, se, issuer, deterministic=True):
            added.append(f"RSE {se}")
        # ANY=True: the RSE expression Rucio's DIRAC helper (add_files) gives the datasets it creates.
        attributes = (
            ("lfn2pfn_algorithm", "belleii"),
            ("user_writable", True),
            ("site", se.split("-")[0]),
            ("ANY", "true"),
        )
        for key, value in attributes:
            rse.add_rse_attribute(se, key, value, issuer)
        _ensure_protocol(se, issuer)
        for name, _type, _admin in accounts:
            account_limit.set_local_account_limit(name, se, ACCOUNT_LIMIT_BYTES, issuer)
    for src in ses:
        for dst in ses:
            if src != dst:
                _once(rse.add_distance, src, dst, issuer, distance=1)
    return f"bootstrap: {'schema created, ' if fresh else ''}{len(added)} added ({', '.join(added) or 'nothing new'})"


def _ensure_protocol(se: str, issuer: str) -> None:
    """The posix ``file`` protocol on DIRAC's directory; updated if the stack moved since."""
    from rucio.gateway import rse

    all_ops = {"read": 1, "write": 1, "delete": 1}
    wan = {**all_ops, "third_party_copy_read": 1, "third_party_copy_write": 1}
    proto = {"scheme": "file", "hostname": "localhost", "port": 0, "prefix": rse_prefix(se),
             "impl": "rucio.rse.protocols.posix.Default", "domains": {"lan": all_ops, "wan": wan}}  # fmt: skip
    existing = [p for p in rse.get_rse_protocols(se, issuer)["protocols"] if p["scheme"] == "file"]
    if not existing:
        rse.add_protocol(se, issuer, data=proto)
    elif existing[0]["prefix"] != proto["prefix"]:
        rse.update_protocols(se, "file", {"prefix": proto["prefix"]}, issuer, hostname="localhost", port=0)


if __name__ == "__main__":
    if sys.argv[1:] == ["bootstrap"]:
        print(bootstrap())
    else:
        raise SystemExit("usage: python -m b2stack.rucio bootstrap  (run by `python -m b2stack up`)")
