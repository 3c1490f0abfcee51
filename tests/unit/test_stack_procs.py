"""The stack's process handling, with real processes: start once, find, stop, never signal a stranger."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from b2stack import layout, procs, stack


@pytest.fixture()
def scratch(tmp_path, monkeypatch):
    """Pid and log files in a temporary stack root, so the real stack is never touched."""
    monkeypatch.setattr(layout, "RUN_DIR", tmp_path / "run")
    monkeypatch.setattr(layout, "LOG_DIR", tmp_path / "log")
    monkeypatch.setattr(layout, "ROOT", tmp_path)
    return tmp_path


def _dead(pid: int) -> bool:
    """Gone, or a zombie waiting for a parent that is not ours to reap it."""
    for _ in range(50):
        try:
            if open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def test_start_is_idempotent_and_stop_ends_the_whole_group(scratch):
    argv = ["/bin/sh", "-c", "sleep 300 & sleep 300"]
    pid = procs.start("sleeper", argv, dict(os.environ))
    assert procs.start("sleeper", argv, dict(os.environ)) == pid
    assert procs.running_pid("sleeper") == pid
    child = None
    for _ in range(50):
        found = subprocess.run(["pgrep", "-P", str(pid), "sleep"], capture_output=True, text=True).stdout.split()
        if found:
            child = int(found[0])
            break
        time.sleep(0.1)
    assert child, "the group's background child did not start"
    assert procs.stop("sleeper", grace=5) is True
    assert procs.running_pid("sleeper") is None
    assert _dead(child), "the background child must go with its group"
    assert procs.stop("sleeper") is False


def test_a_recycled_pid_is_not_ours(scratch):
    """A pid file whose process start time does not match is stale: nothing is signalled."""
    stranger = subprocess.Popen(["sleep", "300"])
    try:
        layout.RUN_DIR.mkdir(parents=True)
        procs.pid_file("ghost").write_text(f"{stranger.pid} 1 sleep 300\n")
        assert procs.running_pid("ghost") is None
        assert procs.stop("ghost") is False
        assert stranger.poll() is None, "a process we did not start was signalled"
    finally:
        stranger.kill()
        stranger.wait()


def test_a_dead_component_reports_its_log(scratch):
    procs.start("crasher", ["/bin/sh", "-c", "echo boom-reason >&2; exit 3"], dict(os.environ))
    with pytest.raises(SystemExit, match="boom-reason"):
        procs.wait_port("crasher", 1, timeout=10)


def test_a_port_held_by_someone_else_is_refused_with_the_remedy(scratch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(SystemExit, match=r"taken by a process that is not ours.*B2_PORT_CS=<port>"):
            stack._check_port_free("cs", port)
    stack._check_port_free("cs", port)  # free again: no complaint
