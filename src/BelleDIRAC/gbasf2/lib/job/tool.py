"""What the gb2 job tools share after option parsing: DIRAC start-up, the proxy guard, the selection,
and the confirm-act-report cycle of kill/delete/reschedule. Kept here so each script stays a thin ``main``."""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib import cli


def addFilters(parser: cli.Parser) -> None:
    parser.add_argument("--status", nargs="+", default=[], help="only jobs in this DIRAC status (e.g. Failed)")
    parser.add_argument("--site", nargs="+", default=[], help="only jobs at this site (e.g. LCG.KEK.jp)")
    parser.add_argument("--date", help="only jobs submitted since this date (YYYY-MM-DD [HH:MM:SS], UTC)")


def start():
    """Load DIRAC's configuration and check the proxy: ``(user, group, collector)``; exits 5 without proxy."""
    from BelleDIRAC.Client.helpers.common import initializeCS

    initializeCS()
    from BelleDIRAC.gbasf2.lib.auth import currentUser
    from BelleDIRAC.gbasf2.lib.job.information_collector import InformationCollector

    user, group = currentUser()
    return user, group, InformationCollector()


def select(args, me: str, collector, statuses=(), sites=(), since=None) -> dict:
    """The jobs chosen by ``args`` (``project``, ``jobid``, ``user``); usage errors exit 2."""
    from BelleDIRAC.gbasf2.lib.job import selection

    jobIDs = cli.jobIDs(args.jobid)
    problem = selection.checkArguments(args.project, jobIDs, since)
    if problem:
        cli.usage(problem)
    result = selection.selectJobs(collector, me, args.project, jobIDs, args.user, statuses, sites, since)
    if not result["OK"]:
        cli.fail(result["Message"])
    return result["Value"]


def notFound(args, jobs: dict) -> list[int]:
    """Requested job IDs that were not selected (unknown, deleted, or not the given owner's)."""
    return [j for j in cli.jobIDs(args.jobid) if j not in jobs]


def act(args, action: str, question: str, perform) -> None:
    """Select, confirm, run ``perform(jobs, me, collector) -> Outcome``, report, and exit with its code."""
    me, _group, collector = start()
    jobs = select(args, me, collector)
    missing = notFound(args, jobs)
    if missing:
        print(f"Not found (unknown or deleted job IDs, or not owned by the selected user): {missing}")
    print(f"{len(jobs)} jobs are selected.")
    if not jobs:
        cli.fail(f"no job to {action}: check the project name, job IDs and -u/--user", cli.EXIT_NOTHING)
    if not cli.confirm(question.format(n=len(jobs)), args.force):
        cli.fail(f"nothing was done (answer Y, or pass -f/--force, to {action})", cli.EXIT_REFUSED)
    outcome = perform(jobs, me, collector)
    if getattr(args, "json", False):
        cli.printJSON(outcome.asDict())
    else:
        for line in outcome.lines():
            print(line)
    if outcome.refused:
        cli.fail(f"DIRAC refused to {action} {len(outcome.refused)} jobs: see above", cli.EXIT_REFUSED)
    if not outcome.ok or missing:
        cli.fail("not every job could be handled: see above, then run the command again", cli.EXIT_FAILED)
