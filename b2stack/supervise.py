"""Keep a component running: restart it whenever it exits, as runit does for a DIRAC installation.

DIRAC agents end on purpose after ``MaxCycles`` cycles (500 by default) and rely on a supervisor to
start them again; a crash is handled the same way. A component that keeps dying right after starting
is restarted with a growing delay (up to a minute), so a broken configuration does not spin the CPU.
``python -m b2stack.supervise -- <argv...>`` runs the supervisor in the component's environment.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

QUICK_EXIT = 10.0
MAX_DELAY = 60.0


def next_delay(previous: float, ran_for: float) -> float:
    """1 s after a run that lasted, doubling (to :data:`MAX_DELAY`) while runs end within QUICK_EXIT s."""
    if ran_for >= QUICK_EXIT:
        return 1.0
    return min(MAX_DELAY, max(1.0, previous * 2))


def run_forever(argv: list[str], env: dict | None = None, cwd=None, before=None) -> None:
    """Run ``argv`` until SIGTERM, restarting it when it ends; SIGTERM is passed on to the child.
    ``before()``, if given, runs before every start."""
    child: list[subprocess.Popen] = []
    stopping: list[bool] = []

    def _stop(_sig, _frm):
        # only flag and forward: the main loop is inside child.wait() and returns when the child ends
        stopping.append(True)
        for proc in child:
            proc.terminate()

    signal.signal(signal.SIGTERM, _stop)
    delay = 0.0
    while not stopping:
        if before:
            before()
        started = time.monotonic()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL)
        child[:] = [proc]
        code = proc.wait()
        if stopping:
            break
        delay = next_delay(delay, time.monotonic() - started)
        print(f"[supervise] {time.strftime('%F %T')} {argv[0]} exited with {code}; restart in {delay:g} s", flush=True)
        time.sleep(delay)


if __name__ == "__main__":
    args = sys.argv[1:]
    run_forever(args[1:] if args[:1] == ["--"] else args)
