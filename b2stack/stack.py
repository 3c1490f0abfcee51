"""Bring the whole stack up (idempotently), report on it, and take it down.

Order matters: the Configuration Server first; then every DIRAC table is created once, so that
services started together never race to create them; then the HTTPS and DIPS services, executors and
agents; RSS rows for sites and SEs (JobScheduling always asks RSS); user proxies (JobAgent fetches the
owner's proxy from the ProxyManager); last, the local pilots that turn this machine into the worker
nodes of the test sites.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time

from b2stack import certs, csgen, database, layout, procs, rucio, setup_script, software
from b2stack.log import say

SERVER_CFG = ["server.cfg"]


def _check_port_free(name: str, port: int) -> None:
    if not procs.running_pid(name) and database.port_open("127.0.0.1", port):
        raise SystemExit(
            f"port {port} (for {name}) is taken by a process that is not ours: stop it, or move the stack with "
            f"B2_PORT_{name.upper()}=<port> (see b2stack/layout.py)"
        )


def _dips_name(component: str) -> str:
    return component.split("/")[1].lower()


def components() -> list[tuple[str, list[str], dict, int | None]]:
    """(name, argv, env, port) of every long-running process, in start order."""
    py = str(layout.VENV / "bin" / "python")
    server_env = procs.base_env(SERVER_CFG)
    out = [
        ("opensearch", [py, "-m", "b2stack.opensearch", "--port", str(layout.OPENSEARCH_PORT),
                        "--db", str(layout.path("opensearch.sqlite"))], procs.base_env(), layout.OPENSEARCH_PORT),
        ("cs", ["tornado-start-CS"], procs.base_env(SERVER_CFG + ["cs.cfg"], tornado=True), layout.CS_PORT),
    ]  # fmt: skip
    matcher = "WorkloadManagement/Matcher"
    out.append(("matcher", ["dirac-service", matcher], server_env, layout.DIPS_SERVICES[matcher]))
    out.append(("tornado", ["tornado-start-all"], procs.base_env(SERVER_CFG, tornado=True), layout.TORNADO_PORT))
    for component, port in layout.DIPS_SERVICES.items():
        if component != matcher:
            out.append((_dips_name(component), ["dirac-service", component], server_env, port))
    out.append(("optimizers", ["dirac-executor", "WorkloadManagement/Optimizers"], server_env, None))
    # agents end after MaxCycles by design: a supervisor starts them again
    for component in layout.AGENTS:
        argv = [py, "-m", "b2stack.supervise", "--", "dirac-agent", component]
        out.append((component.split("/")[1], argv, server_env, None))
    out.extend(rucio.components())  # memcached, the Rucio REST server, its transfer daemons
    return out


def run_client(argv: list[str], cfg: list[str] | None = None, proxy=None, check: bool = True, timeout: float = 120,
               cwd=None):  # fmt: skip
    """Run a DIRAC command as a client (host credentials by default, or the given proxy file)."""
    env = procs.base_env(cfg if cfg is not None else SERVER_CFG)
    if proxy:
        env["X509_USER_PROXY"] = str(proxy)
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd or layout.ROOT)
    if check and proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc


def proxy_valid(path, min_seconds: int = 12 * 3600) -> bool:
    if not path.exists():
        return False
    res = subprocess.run(["openssl", "x509", "-noout", "-checkend", str(min_seconds), "-in", str(path)],
                         capture_output=True)  # fmt: skip
    return res.returncode == 0


def make_proxies() -> None:
    """One proxy per user and group, uploaded to the ProxyManager (JobAgent fetches owners' proxies).

    The ``.uploaded`` marker is written only after a successful upload, so a failed run is retried.
    """
    pending = []
    for user in layout.USERS:
        d = layout.user_dir(user.name)
        for group in user.groups:
            proxy = layout.proxy_file(user.name, group)
            uploaded = proxy.with_suffix(".uploaded")
            if proxy_valid(proxy) and uploaded.exists():
                continue
            uploaded.unlink(missing_ok=True)
            argv = ["dirac-proxy-init", "-g", group, "-C", str(d / "usercert.pem"), "-K", str(d / "userkey.pem"),
                    "-v", "168:00", "--out", str(proxy)]  # fmt: skip
            env = procs.base_env([])
            env["X509_USER_PROXY"] = str(proxy)
            child = subprocess.Popen(argv, env=env, cwd=layout.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            pending.append((child, proxy, uploaded, argv))
    for child, proxy, uploaded, argv in pending:
        out = child.communicate(timeout=180)[0].decode(errors="replace")
        if child.returncode:
            raise SystemExit(f"{' '.join(argv[:3])} failed ({child.returncode}):\n{out[-2000:]}")
        proxy.chmod(0o600)
        uploaded.touch()


def prepare_tables() -> None:
    """Instantiate each DB class once so that services started together never race to create tables."""
    run_client([str(layout.VENV / "bin" / "python"), "-m", "b2stack.tables"], cwd=layout.REPO)
    say("tables ready")


def rss_sync() -> None:
    """Sites and SEs from the CS into RSS as Active (JobScheduling and sandbox downloads ask RSS)."""
    run_client(["dirac-rss-sync", "--element", "all", "--defaultStatus", "Active"])
    run_client(["dirac-rss-sync", "--init", "--defaultStatus", "Active"])


def start_component(name: str, argv: list[str], env: dict) -> int:
    """Start one component unless it runs (``python -m b2stack...`` helpers run from the repository)."""
    return procs.start(name, argv, env, cwd=layout.REPO if argv[1:2] == ["-m"] else None)


def _start_batch(batch) -> None:
    """Start the components of ``batch`` together, then wait until each one's port answers."""
    for name, argv, env, _port in batch:
        state = "already running" if procs.running_pid(name) else "started"
        start_component(name, argv, env)
        say(f"{name}: {state}")
    for name, _argv, _env, port in batch:
        if port:
            procs.wait_port(name, port)


def up() -> None:
    t0 = time.monotonic()
    for name, _argv, _env, port in components():
        if port:
            _check_port_free(name, port)
    database.ensure_server()
    created = database.ensure_databases()
    say(f"databases ready ({len(created)} created: {', '.join(created) or 'none'})")
    certs.make_all()
    say("certificates ready")
    # The CS server rewrites its file (version stamp), so what we generated is remembered apart.
    stamp = layout.RUN_DIR / "cs-generated.sha256"
    before = stamp.read_text() if stamp.exists() else None
    master = csgen.write_all()
    generated = hashlib.sha256(master.read_bytes()).hexdigest()
    layout.RUN_DIR.mkdir(parents=True, exist_ok=True)
    stamp.write_text(generated)
    say(f"configuration written ({master})")
    if before is not None and before != generated and procs.running_pid("cs"):
        # The CS server reads its file at start only; clients refresh from it, so restarting it is enough.
        procs.stop("cs")
        say("configuration changed: CS server restarted")
    say(rucio.prepare())  # PostgreSQL DB, rucio.cfg, schema, accounts, scopes, RSEs: before Rucio starts
    # The CS first (everything reads it); then every table is created once; then services and daemons together;
    # the agents last, once RSS knows every SE and the shifter proxies are stored: DIRAC caches a StorageElement
    # for 30 minutes, also one that failed because RSS did not know it yet.
    comps = components()
    agents = [c for c in comps[2:] if "dirac-agent" in c[1]]
    _start_batch(comps[:2])
    prepare_tables()
    _start_batch([c for c in comps[2:] if c not in agents])
    say(rucio.wait_ready())
    # tornado-start-all answers before every handler is initialised; make sure RSS answers.
    rss_sync()
    say("RSS synchronised: sites and SEs Active")
    certs_by_dn = {u.dn: (layout.user_dir(u.name) / "usercert.pem").read_text() for u in layout.USERS}
    for dn in database.forget_foreign_proxies(certs_by_dn):
        say(f"stored proxy of {dn} came from another stack's CA: replaced")
        user = next(u for u in layout.USERS if u.dn == dn)
        for marker in layout.user_dir(user.name).glob("*.uploaded"):
            marker.unlink()
    make_proxies()
    say("user proxies ready and uploaded")
    _start_batch(agents)
    say(software.install())
    say(setup_script.write())
    from b2stack import pilots

    pilots.start_all()
    say(f"local pilots running for {len(layout.SITES)} sites")
    say(f"stack up in {time.monotonic() - t0:.1f} s; `make status` shows it, `make down` stops it")


def down() -> None:
    from b2stack import pilots

    pilots.stop_all()
    for name in reversed([c[0] for c in components()]):
        if procs.stop(name):
            say(f"{name}: stopped")
    for name in procs.known():
        procs.stop(name)
    say("stack stopped (data kept in MariaDB and .stack; `make clean` removes the stack's own data)")


def status() -> int:
    bad = 0
    rows = [(name, port) for name, _a, _e, port in components()] + [(f"pilot-{s.name}", None) for s in layout.SITES]
    for name, port in rows:
        pid = procs.running_pid(name)
        listening = port is None or database.port_open("127.0.0.1", port)
        state = "running" if pid and listening else ("starting" if pid else "stopped")
        bad += state != "running"
        print(f"{name:22s} {state:9s} pid={pid or '-':<8} {'port=' + str(port) if port else ''}")
    return 1 if bad else 0


def logs(names: list[str], lines: int) -> None:
    for name in names or [c[0] for c in components()]:
        print(f"===== {name} ({procs.log_file(name)})")
        print(procs.tail(name, lines))


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="b2stack", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="install-free part of `make up`: DBs, certificates, CS, services, agents, pilots")
    sub.add_parser("down", help="stop every process the stack started (data is kept)")
    sub.add_parser("status", help="one line per component; exit 1 if any is not running")
    lg = sub.add_parser("logs", help="tail component logs")
    lg.add_argument("names", nargs="*")
    lg.add_argument("-n", "--lines", type=int, default=30)
    sub.add_parser("clean", help="stop, then drop the stack's own databases and remove .stack")
    args = parser.parse_args(argv)
    if args.cmd == "up":
        up()
    elif args.cmd == "down":
        down()
    elif args.cmd == "status":
        return status()
    elif args.cmd == "logs":
        logs(args.names, args.lines)
    elif args.cmd == "clean":
        down()
        import shutil

        dropped = database.drop_databases() + [db for db in [rucio.drop_database()] if db]
        say(f"dropped {', '.join(dropped)}")
        shutil.rmtree(layout.ROOT, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
