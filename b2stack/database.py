"""MariaDB for the stack: start it where it is not running, then the project's own user and databases.

Schemas come from the ``.sql`` files DIRAC and the extensions ship (the highest-priority extension
that has ``<DB>.sql`` wins, as ``dirac-install-db`` decides). Those files start with ``DROP TABLE``,
so a schema is loaded only into a database this module has just created: re-running keeps every row.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

from b2stack import layout
from b2stack.log import say


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_server() -> None:
    """Start mariadbd in the background if nothing answers on the configured port."""
    if port_open(layout.MYSQL_HOST, layout.MYSQL_PORT):
        return
    daemon = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    if not os.path.exists(daemon):
        raise SystemExit("MariaDB is not running and not installed: run b2stack/install.sh (apt-get mariadb-server)")
    say(f"starting MariaDB ({daemon})")
    os.makedirs("/run/mysqld", exist_ok=True)
    subprocess.run(["chown", "mysql:mysql", "/run/mysqld"], check=False)
    subprocess.run(
        ["start-stop-daemon", "--start", "--oknodo", "--background", "--chuid", "mysql", "--exec", daemon],
        check=True,
    )
    await_started("MariaDB", layout.MYSQL_HOST, layout.MYSQL_PORT)


def await_started(what: str, host: str, port: int, seconds: float = 30.0) -> None:
    """After starting a machine service: note that we started it (``.stack/run``) and wait for its port."""
    layout.RUN_DIR.mkdir(parents=True, exist_ok=True)
    (layout.RUN_DIR / f"{what.lower()}.started").write_text("started by b2stack\n")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        time.sleep(0.5)
    raise SystemExit(f"{what} did not open {host}:{port} within {seconds:.0f} s: see its error log")


def _root():
    import MySQLdb

    kwargs = {"user": os.environ.get("B2_MYSQL_ROOT_USER", "root"), "charset": "utf8mb4"}
    if os.environ.get("B2_MYSQL_ROOT_PASSWORD"):
        kwargs["password"] = os.environ["B2_MYSQL_ROOT_PASSWORD"]
    try:
        return MySQLdb.connect(host=layout.MYSQL_HOST, port=layout.MYSQL_PORT, **kwargs)
    except MySQLdb.OperationalError:
        # Debian's root account authenticates by unix socket only.
        return MySQLdb.connect(unix_socket="/run/mysqld/mysqld.sock", **kwargs)


def connect(db: str):
    """A connection as the project's own DB user to ``<prefix><db>`` (autocommit, for reading state)."""
    import MySQLdb

    return MySQLdb.connect(host=layout.MYSQL_HOST, port=layout.MYSQL_PORT, user=layout.DB_USER,
                           password=layout.DB_PASSWORD, database=layout.DB_PREFIX + db, autocommit=True)  # fmt: skip


def schema_statements(db_name: str) -> list[str]:
    """The SQL statements of ``<db_name>.sql`` from the highest-priority extension that ships it."""
    from DIRAC import gLogger

    gLogger.setLevel("ERROR")  # the installer module warns about settings we do not use
    from DIRAC.Core.Utilities.Extensions import extensionsByPriority, findDatabases
    from DIRAC.FrameworkSystem.Client.ComponentInstaller import ComponentInstaller

    for extension in extensionsByPriority():
        found = {fname: system for system, fname in findDatabases(extension)}
        if f"{db_name}.sql" in found:
            import importlib.resources

            module = f"{extension}.{found[db_name + '.sql']}.DB"
            sql = importlib.resources.files(module).joinpath(f"{db_name}.sql").read_text()
            break
    else:
        raise SystemExit(f"no extension ships {db_name}.sql")
    # DIRAC's own parser inlines SOURCE lines (extended schemas); it uses no installer state.
    lines = ComponentInstaller._createMySQLCMDLines(None, sql)
    text = "\n".join(line for line in lines if not line.startswith(("--", "#")))
    return [s.strip() for s in text.split(";") if s.strip() and not s.strip().upper().startswith("USE ")]


def ensure_databases() -> list[str]:
    """Create the stack's DB user and every database of ``layout.DATABASES``; return those created now."""
    conn = _root()
    cur = conn.cursor()
    for host in ("localhost", "127.0.0.1"):
        cur.execute(f"CREATE USER IF NOT EXISTS '{layout.DB_USER}'@'{host}' IDENTIFIED BY %s", (layout.DB_PASSWORD,))
        cur.execute(f"GRANT ALL PRIVILEGES ON `{layout.DB_PREFIX.replace('_', chr(92) + '_')}%`.* TO "
                    f"'{layout.DB_USER}'@'{host}'")  # fmt: skip
    cur.execute("SHOW DATABASES")
    existing = {row[0] for row in cur.fetchall()}
    created = []
    for _system, name in layout.DATABASES:
        db = layout.DB_PREFIX + name
        if db in existing:
            continue
        statements = schema_statements(name)
        cur.execute(f"CREATE DATABASE `{db}`")
        try:
            cur.execute(f"USE `{db}`")
            for stmt in statements:
                cur.execute(stmt)
        except Exception:
            # Half a schema would be taken for a finished one next time: remove the DB we just made.
            cur.execute(f"DROP DATABASE `{db}`")
            raise
        created.append(db)
    conn.commit()
    conn.close()
    return created


def drop_databases() -> list[str]:
    """Drop the stack's own databases (only those carrying its prefix and named in the layout)."""
    conn = _root()
    cur = conn.cursor()
    dropped = []
    for _system, name in layout.DATABASES:
        db = layout.DB_PREFIX + name
        cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
        dropped.append(db)
    conn.close()
    return dropped


def _pem_body(pem: str) -> str:
    """The base64 body of the first certificate in ``pem``, without line breaks (stored or escaped)."""
    text = pem.replace("\\n", "\n")
    body = text.split("-----BEGIN CERTIFICATE-----", 1)[1].split("-----END CERTIFICATE-----", 1)[0]
    return "".join(body.split())


def forget_foreign_proxies(user_certs: dict[str, str]) -> list[str]:
    """Delete stored proxies of our test users that another stack (another CA) uploaded.

    The ProxyManager keeps whichever proxy lives longer, so after a second checkout of the project ran
    its stack against the same databases, jobs would get proxies this stack's CA does not trust.
    ``user_certs`` maps a DN to the PEM of this stack's certificate for it; returns the DNs forgotten.
    """
    conn = _root()
    cur = conn.cursor()
    cur.execute(f"USE `{layout.DB_PREFIX}ProxyDB`")
    forgotten = []
    for dn, cert_pem in user_certs.items():
        cur.execute("SELECT Pem FROM ProxyDB_CleanProxies WHERE UserDN=%s", (dn,))
        row = cur.fetchone()
        if row and _pem_body(cert_pem) not in "".join(
            (row[0] or b"").decode(errors="replace").replace("\\n", "").split()
        ):
            cur.execute("DELETE FROM ProxyDB_CleanProxies WHERE UserDN=%s", (dn,))
            forgotten.append(dn)
    conn.commit()
    conn.close()
    return forgotten
