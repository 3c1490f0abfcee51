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


def test_a_killed_component_can_be_started_again_before_it_is_reaped(scratch):
    """A component killed outright stays a zombie until its parent reaps it: it is not running."""
    import signal

    pid = procs.start("victim", ["sleep", "300"], dict(os.environ))
    os.killpg(pid, signal.SIGKILL)
    assert _dead(pid)
    assert procs.running_pid("victim") is None
    again = procs.start("victim", ["sleep", "300"], dict(os.environ))
    assert again != pid and procs.running_pid("victim") == again
    procs.stop("victim", grace=1)


def test_supervisor_backs_off_only_while_a_component_keeps_dying():
    from b2stack.supervise import MAX_DELAY, next_delay

    delay = 0.0
    seen = []
    for _ in range(9):
        delay = next_delay(delay, ran_for=0.5)
        seen.append(delay)
    assert seen[:4] == [1.0, 2.0, 4.0, 8.0] and seen[-1] == MAX_DELAY
    assert next_delay(MAX_DELAY, ran_for=3600) == 1.0


def test_supervised_component_is_restarted_after_it_exits(scratch, tmp_path):
    import sys

    marker = tmp_path / "runs"
    argv = [sys.executable, "-m", "b2stack.supervise", "--", "/bin/sh", "-c", f"echo run >> {marker}"]
    procs.start("flaky", argv, dict(os.environ), cwd=layout.REPO)
    try:
        for _ in range(60):
            if marker.exists() and len(marker.read_text().split()) >= 2:
                break
            time.sleep(0.1)
        assert len(marker.read_text().split()) >= 2, "the component was not started again"
    finally:
        assert procs.stop("flaky", grace=5)
