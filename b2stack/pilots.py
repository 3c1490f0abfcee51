"""Local pilots: one supervisor process per test site keeps a JobAgent running there.

A grid site runs a pilot per slot; each pilot runs a JobAgent that asks the Matcher for a job, runs
it and exits. Here the supervisor plays the batch system: whenever the site's JobAgent exits (job
done, crash, or its cycle limit) it starts a new one, so the site keeps pulling work for as long as
the stack is up. ``python -m b2stack.pilots SITE`` is the supervisor itself.
"""

from __future__ import annotations

import sys

from b2stack import layout, procs
from b2stack.supervise import run_forever


def _argv(site: str) -> list[str]:
    return ["dirac-agent", "WorkloadManagement/JobAgent", "-o", "MaxCycles=200"]


def supervise(site: str) -> None:
    """Run the site's JobAgent forever, restarting it when it ends; stop cleanly on SIGTERM."""
    work = layout.path("pilots", site)
    work.mkdir(parents=True, exist_ok=True)
    run_forever(_argv(site), procs.base_env(["server.cfg", f"pilot-{site}.cfg"]), cwd=work)


def start_all() -> None:
    py = str(layout.VENV / "bin" / "python")
    for site in layout.SITES:
        procs.start(f"pilot-{site.name}", [py, "-m", "b2stack.pilots", site.name], procs.base_env(), cwd=layout.REPO)


def stop_all() -> None:
    for site in layout.SITES:
        procs.stop(f"pilot-{site.name}")


if __name__ == "__main__":
    supervise(sys.argv[1])
