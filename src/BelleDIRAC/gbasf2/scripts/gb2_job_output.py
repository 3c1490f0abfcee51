"""Download the output sandboxes (logs) of gbasf2 jobs into the current directory.

Examples:
  gb2_job_output -j 387165066                           # -> ./log/387165066/
  gb2_job_output -j 387165066,387165067
  gb2_job_output -p B2JpsiKs_uubar_240119               # -> ./log/B2JpsiKs_uubar_240119/<jobid>/
  gb2_job_output --user alice -p projA

Each job directory holds job.info (the job's state), and what the job returned: std.out, and for basf2 jobs
Script1_basf2helper.py.log (read it first when a job failed). With -p, ./log/<project>/ is always created.
Jobs without a sandbox yet (still running) are reported; that is not an error.
Exit codes: 0 done (even if some sandboxes are missing), 2 bad usage, 3 no job matched (-j only),
5 no valid proxy (run gb2_proxy_init).
"""

from __future__ import annotations

import os
import sys

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.job import tool


def main(argv=None):
    parser = cli.Parser("gb2_job_output", __doc__)
    cli.addJobSelection(parser)
    cli.addUser(parser)
    args = parser.parse_args(argv)
    from BelleDIRAC.gbasf2.lib.job.output import download, logRoot

    me, _group, collector = tool.start()
    cwd = os.getcwd()
    targets = [(project, tool.select(_only(args, project=project), me, collector)) for project in args.project]
    if args.jobid:
        targets.append((None, tool.select(_only(args, jobid=args.jobid), me, collector)))
    print(f"download output sandbox below {os.path.join('.', 'log', args.project[0] if args.project else 'JOBID')}")
    total = sum(len(jobs) for _project, jobs in targets)
    print(f"{total} jobs are selected.")
    for project, jobs in targets:
        root = logRoot(cwd, project)
        os.makedirs(root, exist_ok=True)
        if not jobs:
            continue
        print("Please wait...")
        results = download(jobs, root)
        print(f"Result for jobs: {[str(j) for j in sorted(results)]}".center(85))
        print("=" * 85)
        for jobID, error in sorted(results.items()):
            where = os.path.join(root, str(jobID))
            if error:
                print(f'Not downloaded: "{jobID}: no output sandbox yet ({error.splitlines()[0]})"')
            else:
                print(f'Downloaded: "Job output sandbox retrieved in {where}"')
    if args.jobid and not args.project and not total:
        cli.fail("no such job: check the job IDs with gb2_job_status", cli.EXIT_NOTHING)
    sys.exit(cli.EXIT_OK)


def _only(args, project=None, jobid=None):
    """The options restricted to one project, or to the job IDs, for :func:`tool.select`."""
    import argparse

    return argparse.Namespace(project=[project] if project else [], jobid=jobid or [], user=args.user)


if __name__ == "__main__":
    main()
