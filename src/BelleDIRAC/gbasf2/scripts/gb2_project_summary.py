"""Summarise your gbasf2 projects: one line per project with its status and job counts.

Examples:
  gb2_project_summary                                   # your projects of the last month
  gb2_project_summary -p B2JpsiKs_uubar_240119 projB    # these projects
  gb2_project_summary --date 2024-01-01                 # your projects with jobs submitted since then
  gb2_project_summary -u alice                          # alice's projects; -u all: every user
  gb2_project_summary --json                            # the same data for programs

Columns: Project, Owner, Status, Done, Fail, Run, Wait, Submission Time(UTC), Duration (HH:MM:SS).
Status is one of: Good (all jobs Done), Failed (all jobs finished, some failed or killed), Waiting (no job
started yet), Running (anything else). Fail counts failed and killed jobs, and Done jobs whose
ApplicationStatus is not Done; Run counts running, completing and stalled jobs.
Exit codes: 0 projects shown, 2 bad usage, 3 no project found, 5 no valid proxy (run gb2_proxy_init).
"""

from __future__ import annotations

import datetime
import sys

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.job import tool


def main(argv=None):
    parser = cli.Parser("gb2_project_summary", __doc__)
    parser.add_argument("-p", "--project", nargs="+", default=[], help="project name(s) (default: recent ones)")
    cli.addUser(parser)
    parser.add_argument("--date", help="projects with jobs submitted since (YYYY-MM-DD); default: 30 days ago")
    cli.addJSON(parser)
    args = parser.parse_args(argv)
    from BelleDIRAC.gbasf2.lib.job import selection, summary

    problem = selection.checkArguments(args.project or ["x"], [], args.date)
    if problem:
        cli.usage(problem)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    since = args.date or (None if args.project else (now - datetime.timedelta(days=30)).strftime("%Y-%m-%d"))
    me, _group, collector = tool.start()
    result = collector.getJobs(projects=args.project, owner=selection.owner(args.user, me), since=since)
    if not result["OK"]:
        cli.fail(f"{result['Message']} (try again later)")
    byProject = summary.groupByProject(result["Value"])
    records = [summary.projectRecord(name, jobs, now) for name, jobs in sorted(byProject.items())]
    if args.json:
        cli.printJSON(records)
    elif records:
        print(cli.table(summary.PROJECT_COLUMNS, summary.projectRows(records)))
    else:
        print("No project found (check -p, -u and --date).")
    sys.exit(cli.EXIT_OK if records else cli.EXIT_NOTHING)


if __name__ == "__main__":
    main()
