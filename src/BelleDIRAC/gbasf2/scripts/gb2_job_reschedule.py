"""Reschedule failed gbasf2 jobs: run them again with the same sandbox and parameters, same job ID.

Only jobs in a fatal state are touched: Failed, Killed, Stalled, and Done jobs whose ApplicationStatus is
not Done. Other jobs are listed as skipped. A job that is wrong (bad steering file or options) fails again:
fix it and submit a new project instead.

Examples:
  gb2_job_reschedule -p B2JpsiKs_uubar_240119           # every failed job of your project (asks Y/N)
  gb2_job_reschedule --jobid 387165066 387165067 --force
  gb2_job_reschedule -j 387165066,387165067
  gb2_job_reschedule -p projA -u alice                  # alice's jobs: needs job-administrator rights

Exit codes: 0 every reschedulable job selected was rescheduled (skipped ones are only reported),
1 some could not be (unknown IDs, DIRAC's reschedule limit reached), 2 bad usage, 3 no job matched,
4 refused (not your jobs, or answered No), 5 no valid proxy (run gb2_proxy_init).
"""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.job import tool


def main(argv=None):
    parser = cli.Parser("gb2_job_reschedule", __doc__)
    cli.addJobSelection(parser)
    cli.addUser(parser)
    cli.addForce(parser)
    cli.addJSON(parser)
    args = parser.parse_args(argv)
    from BelleDIRAC.gbasf2.lib.job.actions import reschedule

    tool.act(
        args,
        "reschedule",
        "Reschedule the failed jobs among these {n} jobs?",
        lambda jobs, me, collector: reschedule(jobs, me, collector),
    )


if __name__ == "__main__":
    main()
