"""Show the status of your gbasf2 jobs, selected by project or job ID.

Examples:
  gb2_job_status -p B2JpsiKs_uubar_240119              # all jobs of one of your projects
  gb2_job_status -p projA projB --status Failed         # failed jobs of two projects
  gb2_job_status -j 387165066 387165067                 # jobs by ID (also -j 387165066,387165067)
  gb2_job_status -p projA --site LCG.KEK.jp --date 2024-01-20
  gb2_job_status -p projA -u alice                      # another user's project; -u all: any user
  gb2_job_status -p projA --json                        # {jobID: {Status, MinorStatus, ...}} for programs

Output: "N jobs are selected.", a table (Job id, Status, MinorStatus, ApplicationStatus, Site), then
"--- Summary of Selected Jobs ---" and one line of counts with the keys Completed, Deleted, Done, Failed,
Killed, Running, Stalled, Waiting. A job that is Done with an ApplicationStatus other than Done is counted
as Failed. With no match only "0 jobs are selected." is printed and the exit code is 3.
Exit codes: 0 jobs shown, 2 bad usage, 3 no job matched, 5 no valid proxy (run gb2_proxy_init).
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.job import tool


def main(argv=None):
    parser = cli.Parser("gb2_job_status", __doc__)
    cli.addJobSelection(parser)
    cli.addUser(parser)
    tool.addFilters(parser)
    cli.addJSON(parser)
    args = parser.parse_args(argv)
    from BelleDIRAC.gbasf2.lib.job.information_collector import publicRecord
    from BelleDIRAC.gbasf2.lib.job.status import countStatuses, summaryLine
    from BelleDIRAC.gbasf2.lib.job.summary import JOB_COLUMNS, jobRows

    me, _group, collector = tool.start()
    jobs = tool.select(args, me, collector, args.status, args.site, args.date)
    if args.json:
        cli.printJSON({str(jobID): publicRecord(attrs) for jobID, attrs in jobs.items()})
        sys.exit(cli.EXIT_OK if jobs else cli.EXIT_NOTHING)
    print(f"{len(jobs)} jobs are selected.")
    if not jobs:
        sys.exit(cli.EXIT_NOTHING)
    print()
    print(cli.table(JOB_COLUMNS, jobRows(jobs)))
    print()
    print("--- Summary of Selected Jobs ---")
    print(summaryLine(countStatuses(jobs.values())))


if __name__ == "__main__":
    main()
