"""Kill running or waiting gbasf2 jobs. They stay in the job database (gb2_job_status shows them as
Killed) and can be rescheduled later with gb2_job_reschedule.

Examples:
  gb2_job_kill -p B2JpsiKs_uubar_240119                 # all jobs of your project (asks Y/N)
  gb2_job_kill -j 387165066 387165067 --force
  gb2_job_kill --force --user alice -p projA            # as b2luigi calls it

Jobs that already finished are left alone and listed as skipped.
Exit codes: 0 done, 1 some jobs could not be killed, 2 bad usage, 3 no job matched, 4 refused (not your
jobs, or answered No), 5 no valid proxy (run gb2_proxy_init).
"""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.job import tool


def main(argv=None):
    parser = cli.Parser("gb2_job_kill", __doc__)
    cli.addJobSelection(parser)
    cli.addUser(parser)
    cli.addForce(parser)
    cli.addJSON(parser)
    args = parser.parse_args(argv)
    from BelleDIRAC.gbasf2.lib.job.actions import killOrDelete

    tool.act(args, "kill", "Kill these {n} jobs?", lambda jobs, me, _collector: killOrDelete("kill", jobs, me))


if __name__ == "__main__":
    main()
