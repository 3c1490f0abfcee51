"""Submit a basf2 steering file to the grid as a project: one job per input file.

  gbasf2 <steering.py> -p <project> -s <release> -i <LPN>[,<LPN>...] [options]
  gbasf2 <steering.py> -p <project> -s <release> --input_dslist <file> [options]

The project is your DIRAC job group; its outputs go to /belle/user/<you>/<project>/subXX (at most 1000
files per datablock), named <stem>_<NNNNN>_job<JobID>_<RR>.root. Scout jobs run a few events first and
the project's jobs start only if they succeed (--noscout skips them). A summary is printed and you are
asked to confirm (--force answers yes); --dryrun shows the summary and submits nothing.
A project name is yours for good: it cannot be used twice, even after its jobs were deleted
(--add_to_project adds jobs to a project of yours that exists).

Examples:
  gbasf2 ana.py -p B2JpsiKs_240119 -s light-2511-gacrux -i /belle/MC/release-06/.../uubar/mdst
  gbasf2 ana.py -p retry1 -s light-2511-gacrux --input_dslist failed.txt -f aliases.py --force
  gbasf2 ana.py -p test1 -s light-2511-gacrux -i /belle/user/alice/skim/sub00 --dryrun

Exit codes: 0 submitted (or dry run), 1 submission failed, 2 bad usage, 4 refused or not confirmed,
5 no valid proxy.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile

from BelleDIRAC.gbasf2.lib import cli, naming, submission

GROUPINGS = ("size",)


def parser() -> cli.Parser:
    p = cli.Parser("gbasf2", __doc__)
    p.add_argument("steering", help="basf2 steering file")
    p.add_argument("-p", "--project", required=True, help="project name (max 32 characters: A-Z a-z 0-9 _ -)")
    p.add_argument("-s", "--release", help="basf2 release (gb2_check_release lists them)")
    p.add_argument("-i", "--input_ds", help="input dataset, datablock, collection or LFN; several comma-separated")
    p.add_argument("--input_dslist", help="file with one input LPN per line")
    p.add_argument("-f", "--input_sandboxfiles", nargs="+", default=[], help="files shipped with each job")
    p.add_argument("--noscout", action="store_true", help="no scout jobs")
    p.add_argument("--priority", type=int, default=0, help="0..10 among your own jobs")
    p.add_argument("--site", default="", help="run only at these sites (comma-separated)")
    p.add_argument("--banned_site", default="", help="never run at these sites (comma-separated)")
    p.add_argument("--cputime", type=int, help="expected CPU minutes per job")
    p.add_argument("--evtpersec", type=float, help="expected events per second (informational)")
    p.add_argument("--basf2opt", default="", help="extra basf2 options, e.g. --basf2opt='-n 1000'")
    p.add_argument("--output_ds", help="output dataset LPN (group space) instead of /belle/user/<you>/<project>")
    p.add_argument("--output_se", default="", help="SE for the outputs (default: the job's site SE)")
    p.add_argument("--input_grouping", nargs="+", help="'size': one input file per job (the only mode)")
    p.add_argument("--add_to_project", action="store_true", help="add jobs to an existing project of yours")
    p.add_argument("--force", action="store_true", help="do not ask for confirmation")
    p.add_argument("--dryrun", "--dry_run", action="store_true", help="print the summary, submit nothing")
    return p


def _list(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _checkArgs(args) -> list[str]:
    """Everything checkable before contacting DIRAC; returns the input LPNs as typed."""
    try:
        naming.validateProject(args.project)
    except naming.NamingError as exc:
        cli.usage(str(exc))
    if not os.path.isfile(args.steering):
        cli.usage(f"steering file not found: {args.steering}")
    if bool(args.input_ds) == bool(args.input_dslist):
        cli.usage("give the input with exactly one of -i/--input_ds and --input_dslist")
    if args.input_grouping and "".join(args.input_grouping) not in GROUPINGS:
        cli.usage(f"--input_grouping {' '.join(args.input_grouping)!r}: only 'size' (one file per job) is supported")
    if args.input_dslist:
        if not os.path.isfile(args.input_dslist):
            cli.usage(f"input list not found: {args.input_dslist}")
        with open(args.input_dslist) as fh:
            lpns = submission.parseInputList(fh.read())
    else:
        lpns = _list(args.input_ds)
    if not lpns:
        cli.usage("the input list is empty")
    try:
        submission.checkPriority(args.priority)
    except submission.SubmissionError as exc:
        cli.usage(str(exc))
    return lpns


def _release(requested: str | None) -> str:
    from DIRAC.ConfigurationSystem.Client.Helpers.Operations import Operations

    ops = Operations()
    offered = ops.getValue("gbasf2/Releases", [])
    release = requested or ops.getValue("gbasf2/DefaultRelease", "")
    if release not in offered:
        cli.fail(f"release {release!r} is not available on the grid: gb2_check_release lists those that are", 2)
    return release


def _dataset(args, user: str) -> str:
    if not args.output_ds:
        return naming.userDataset(user, args.project)
    try:
        dataset = naming.resolveLPN(args.output_ds, user)
    except naming.NamingError as exc:
        cli.usage(f"--output_ds: {exc}")
    if not dataset.startswith(("/belle/group/", f"/belle/user/{user}/")) or "*" in dataset:
        cli.usage("--output_ds must be below /belle/group/ or your own /belle/user/<you>/")
    return dataset


def _checkProject(args, user: str, dataset: str) -> int:
    """Refuse a project name already used (unless adding to it); returns the next output index."""
    from BelleDIRAC.gbasf2.lib import project

    jobs, exists = project.existingJobs(user, args.project), project.datasetExists(dataset)
    for result in (jobs, exists):
        if not result["OK"]:
            cli.fail(f"cannot check project {args.project}: {result['Message']}")
    used = jobs["Value"] or exists["Value"]
    if used and not args.add_to_project:
        cli.fail(
            f"project {args.project} already exists for {user} ({jobs['Value']} jobs, dataset {dataset}"
            f"{'' if exists['Value'] else ' not created'}): project names are never reused; choose another name, "
            "or use --add_to_project to add jobs to it",
            cli.EXIT_REFUSED,
        )
    if not args.add_to_project:
        return 0
    if not used:
        cli.fail(f"--add_to_project: there is no project {args.project} of {user} to add to", cli.EXIT_REFUSED)
    primaries = project.primaryJobs(user, args.project)
    return primaries["Value"] if primaries["OK"] else cli.fail(primaries["Message"])


def _submit(jdl: str, group: str, noscout: bool):
    """Submit with Ctrl-C held back: a project is submitted whole or not at all."""
    from BelleDIRAC.gbasf2.lib import project

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return project.submit(jdl, group, noscout)
    finally:
        signal.signal(signal.SIGINT, previous)


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    lpns = _checkArgs(args)
    from BelleDIRAC.Client.helpers.common import initializeCS

    initializeCS()
    from BelleDIRAC.gbasf2.lib import auth, project

    user, group = auth.currentUser()
    left = submission.formatSeconds(auth.proxyInfo()["Value"]["secondsLeft"])
    release = _release(args.release)
    dataset = _dataset(args, user)
    offset = _checkProject(args, user, dataset)
    try:
        inputs = project.resolveInputs([naming.resolveLPN(lpn, user) for lpn in lpns])
    except naming.NamingError as exc:
        cli.usage(str(exc))
    if not inputs["OK"]:
        cli.fail(inputs["Message"], cli.EXIT_USAGE)
    with tempfile.TemporaryDirectory(prefix="gbasf2-") as staging:
        try:
            steering, *sandbox = project.stage([args.steering, *args.input_sandboxfiles], staging)
        except (FileNotFoundError, FileExistsError) as exc:
            cli.usage(str(exc))
        sub = submission.Submission(
            project=args.project, user=user, group=group, steering=steering, release=release, dataset=dataset,
            inputs=inputs["Value"], sandbox=sandbox, priority=args.priority, sites=_list(args.site),
            bannedSites=_list(args.banned_site), cpuTime=args.cputime * 60 if args.cputime else None,
            basf2opt=args.basf2opt, outputSE=args.output_se, offset=offset, noscout=args.noscout,
        )  # fmt: skip
        print(submission.summary(sub, left).replace(steering, os.path.abspath(args.steering)))
        if not args.cputime and not args.evtpersec:
            print("Please consider providing --cputime or --evtpersec")
        try:
            jdl = submission.jdl(sub)
        except submission.SubmissionError as exc:
            cli.usage(str(exc))
        if args.dryrun:
            print("Dry run: nothing submitted.")
            return cli.EXIT_OK
        if not cli.confirm("Are you sure to submit the project?", args.force):
            print("Nothing submitted.")
            return cli.EXIT_REFUSED
        result = _submit(jdl, group, args.noscout)
    if not result["OK"]:
        cli.fail(f"project {args.project} not submitted: {result['Message']}")
    jobs, scouts = result["Value"]["Primaries"], result["Value"]["Scouts"]
    print(f"Project {args.project}: {len(jobs)} jobs submitted (JobIDs {min(jobs)}-{max(jobs)})", end="")
    print(f", waiting for {len(scouts)} scout jobs ({', '.join(map(str, scouts))})" if scouts else "")
    print(f"Outputs: {dataset}")
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
