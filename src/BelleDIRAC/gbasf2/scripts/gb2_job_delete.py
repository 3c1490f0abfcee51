"""Delete gbasf2 jobs: kill them if needed and remove them from what the tools show. Deleted jobs no
longer appear in gb2_job_status, gb2_project_summary or b2luigi; they cannot be rescheduled. Their output
files, if any, stay: remove those with gb2_ds_rm.

Examples:
  gb2_job_delete -p B2JpsiKs_uubar_240119               # all jobs of your project (asks Y/N)
  gb2_job_delete -j 387165066 --force
  gb2_job_delete -p projA --user alice --force          # alice's jobs: needs job-administrator rights

Exit codes: 0 done, 1 some jobs could not be deleted, 2 bad usage, 3 no job matched, 4 refused (not your
jobs, or answered No), 5 no valid proxy (run gb2_proxy_init).
"""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.job import tool


def main(argv=None):
    parser = cli.Parser("gb2_job_delete", __doc__)
    cli.addJobSelection(parser)
    cli.addUser(parser)
    cli.addForce(parser)
    cli.addJSON(parser)
    args = parser.parse_args(argv)
    from BelleDIRAC.gbasf2.lib.job.actions import killOrDelete

    tool.act(args, "delete", "Delete these {n} jobs?", lambda jobs, me, _collector: killOrDelete("delete", jobs, me))


if __name__ == "__main__":
    main()
