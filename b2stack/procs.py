"""Start, find and stop the stack's processes.

Each process is started in its own session with its output in ``<root>/log/<name>.log`` and its pid in
``<root>/run/<name>.pid``. Only processes listed there are ever signalled, so ``down`` stops exactly
what ``up`` started and nothing else on the machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from b2stack import layout
from b2stack.database import port_open


def base_env(extra_cfg: list[str] | None = None, tornado: bool = False) -> dict[str, str]:
    """The environment every stack process (and every client in tests) runs with."""
    env = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "X509_USER_PROXY")}
    env.update(
        DIRAC_ROOT_PATH=str(layout.ROOT),
        X509_CERT_DIR=str(layout.CERT_DIR),
        PATH=f"{layout.VENV / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
        RUCIO_CONFIG=str(layout.RUCIO_SERVICE_CFG),
    )
    if extra_cfg:
        env["DIRACSYSCONFIG"] = ",".join(str(layout.path("etc", c)) for c in extra_cfg)
    else:
        env.pop("DIRACSYSCONFIG", None)
    if tornado:
        env["DIRAC_USE_TORNADO_IOLOOP"] = "yes"
    else:
        env.pop("DIRAC_USE_TORNADO_IOLOOP", None)
    return env


def pid_file(name: str) -> Path:
    return layout.RUN_DIR / f"{name}.pid"


def log_file(name: str) -> Path:
    return layout.LOG_DIR / f"{name}.log"


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (field 22 of /proc/<pid>/stat): tells a recycled pid apart.

    None for a process that is gone or a zombie (dead, only waiting for its parent to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def running_pid(name: str) -> int | None:
    """The pid of our process ``name`` if it is alive, else None (stale pid files are removed)."""
    pf = pid_file(name)
    try:
        pid_s, started = pf.read_text().split()[:2]
        pid = int(pid_s)
    except (FileNotFoundError, ValueError):
        pf.unlink(missing_ok=True)
        return None
    if _start_time(pid) != started:
        pf.unlink(missing_ok=True)
        return None
    return pid


def start(name: str, argv: list[str], env: dict[str, str], cwd: Path | None = None) -> int:
    """Start ``argv`` detached (own session) unless ``name`` is already running; return its pid."""
    pid = running_pid(name)
    if pid:
        return pid
    layout.LOG_DIR.mkdir(parents=True, exist_ok=True)
    layout.RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(log_file(name), "ab") as out:
        out.write(f"\n==== {time.strftime('%F %T')} starting {' '.join(argv)}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd or layout.ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file(name).write_text(f"{proc.pid} {_start_time(proc.pid)} {' '.join(argv)}\n")
    return proc.pid


def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (reaping it first if it is our own child)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return _start_time(pid) is None


def stop(name: str, grace: float = 10.0) -> bool:
    """SIGTERM the process group of ``name``, SIGKILL after ``grace`` seconds; True if it was running."""
    pid = running_pid(name)
    if not pid:
        return False
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not _gone(pid):
            time.sleep(0.1)
        if _gone(pid):
            break
    pid_file(name).unlink(missing_ok=True)
    return True


def known() -> list[str]:
    return sorted(p.stem for p in layout.RUN_DIR.glob("*.pid")) if layout.RUN_DIR.exists() else []


def wait_port(name: str, port: int, timeout: float = 60.0) -> None:
    """Wait until ``port`` answers; fail with the tail of the component's log if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open("127.0.0.1", port):
            return
        if not running_pid(name):
            raise SystemExit(f"{name} exited during start-up:\n{tail(name)}\nfull log: {log_file(name)}")
        time.sleep(0.2)
    raise SystemExit(f"{name} did not open port {port} within {timeout:.0f} s:\n{tail(name)}")


def tail(name: str, lines: int = 25) -> str:
    try:
        return "\n".join(log_file(name).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
