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


def pilot_env(site: str) -> dict[str, str]:
    """The site's pilot environment: the stack's configuration, and a DIRAC root of its own.

    A JobAgent rewrites ``$DIRAC_ROOT_PATH/etc/dirac.cfg`` (read, add /LocalSite/CPUTimeLeft, write)
    after every job. Three pilots doing that to the clients' ``dirac.cfg`` race, and one reading the file
    while another rewrites it leaves it with nothing but /LocalSite: every client then fails with "No
    configuration servers found". So each pilot gets its own root, as a real pilot has its own directory.
    """
    work = layout.path("pilots", site)
    (work / "etc").mkdir(parents=True, exist_ok=True)
    (work / "etc" / "dirac.cfg").touch()
    env = procs.base_env(["dirac.cfg", "server.cfg", f"pilot-{site}.cfg"])
    env["DIRAC_ROOT_PATH"] = str(work)
    return env


def fresh_pilot(site: str) -> None:
    """Forget what the previous JobAgent wrote (its CPUTimeLeft shrinks with every job): each restart is a
    new pilot with the queue's full CPU time, or jobs asking for the default CPU time stop matching."""
    (layout.path("pilots", site) / "etc" / "dirac.cfg").write_text("")


def supervise(site: str) -> None:
    """Run the site's JobAgent forever, as a fresh pilot each time it ends; stop cleanly on SIGTERM."""
    run_forever(_argv(site), pilot_env(site), cwd=layout.path("pilots", site), before=lambda: fresh_pilot(site))


def start(site: str, extra_env: dict[str, str] | None = None) -> None:
    """Start ``site``'s pilots; ``extra_env`` reaches every job there (a test breaks a site's CVMFS with it)."""
    env = procs.base_env()
    env.update(extra_env or {})
    procs.start(f"pilot-{site}", [str(layout.VENV / "bin" / "python"), "-m", "b2stack.pilots", site], env,
                cwd=layout.REPO)  # fmt: skip


def stop(site: str) -> None:
    procs.stop(f"pilot-{site}")


def start_all() -> None:
    for site in layout.SITES:
        start(site.name)


def stop_all() -> None:
    for site in layout.SITES:
        stop(site.name)


if __name__ == "__main__":
    supervise(sys.argv[1])
