"""Download a dataset, datablock, file or wildcard selection into ./<dataset>/subXX/.

gb2_ds_get <project | LPN | LFN | wildcard> [--force] [--failed_lfns FILE] [--input_dslist FILE]
           [--se SE] [-j N] [--new]

Files land in ./<last element of the dataset>/subXX/<file name>, directly in the datablock directory.
Only the newest reschedule (_RR) of each job output is fetched. Every file is checked against the
catalog's size and adler32 before it gets its final name, so a re-run resumes: files already present and
verified are skipped, missing or corrupted ones are fetched again.

Failures are listed under "Failed files:" at the end; check it, an incomplete dataset gives wrong physics.
With --failed_lfns the failed LFNs are written to a file (one per line, the --input_dslist format; the
file is removed when nothing failed), ready for a retry. The exit code is 0 even when some files failed
(programs read the --failed_lfns file); it is 4 for a refused query (raw data) or a No answer, 5 without
a proxy. A query that matches nothing prints "No file found" and exits 0.

Raw data (/belle/Raw, /belle/hRaw) cannot be downloaded this way: ask Data Production.

Examples:
  gb2_ds_get my_project                                  # /belle/user/<you>/my_project
  gb2_ds_get /belle/user/alice/proj/sub00 --se DESY-TMP-SE
  gb2_ds_get '/belle/user/alice/proj/sub*/ntuple_*.root' --force --failed_lfns failed.txt
  gb2_ds_get my_project --input_dslist failed.txt --failed_lfns failed2.txt   # retry only the failures
  gb2_ds_get my_project -j 16                            # 16 parallel transfers
"""

from __future__ import annotations

import os
import sys

from BelleDIRAC.gbasf2.lib import cli, naming
from BelleDIRAC.gbasf2.lib.ds import catalog, fetch, local, query, tool
from BelleDIRAC.gbasf2.lib.ds.expand import expand


def parser() -> cli.Parser:
    p = cli.Parser("gb2_ds_get", __doc__)
    p.add_argument("query", nargs="?", help="project, dataset/datablock LPN, LFN or wildcard")
    cli.addForce(p)
    cli.addUser(p)
    p.add_argument("--failed_lfns", metavar="FILE", help="write the LFNs that failed here (one per line)")
    p.add_argument("--input_dslist", metavar="FILE", help="download only the LFNs/LPNs listed in FILE")
    p.add_argument("--se", help="read only the replicas at this SE (a file without one there fails)")
    p.add_argument("-j", "--parallel", type=int, default=8, metavar="N", help="parallel transfers (default 8)")
    p.add_argument("--new", action="store_true", help="accepted for compatibility: transfers are always parallel")
    return p


def selectFiles(args, user: str, seen: dict | None = None) -> list[str]:
    fc = catalog.fileCatalog()
    listed = None
    if args.input_dslist:
        try:
            with open(args.input_dslist) as fh:
                listed = query.readLFNList(fh.read())
        except OSError as exc:
            cli.usage(f"cannot read --input_dslist: {exc}")
    queries = [args.query] if args.query else list(listed or [])
    if not queries:
        cli.usage("give a dataset, datablock, LFN or wildcard (or --input_dslist)")
    lfns: set[str] = set()
    for text in queries:
        lpn = tool.resolve(text, user, allowRaw=False)
        lfns.update(expand(lpn, catalog.lister(fc, seen)))
    if listed is not None:
        for item in listed:
            tool.resolve(item, user, allowRaw=False)
        lfns = set(query.restrictTo(lfns, listed))
    return naming.newestOnly(lfns)


def writeFailed(path: str | None, failed) -> None:
    if not path:
        return
    if failed:
        with open(path, "w") as fh:
            fh.write(query.formatLFNList(failed))
    elif os.path.exists(path):
        os.remove(path)  # a stale list would make a program retry files that are now fine


def report(done: dict[str, str], failed: dict[str, str]) -> None:
    print("\nSuccessfully downloaded files:")
    for lfn in sorted(done):
        print(f"{lfn} in {os.path.dirname(done[lfn])}")
    print("\n\nFailed files:")
    for lfn in sorted(failed):
        print(lfn)
        print(f"{lfn}: {failed[lfn]}", file=sys.stderr)


def main() -> None:
    args = parser().parse_args()
    user = tool.start()[0]
    owner = args.user or user
    fc = catalog.fileCatalog()
    try:
        seen: dict[str, dict] = {}
        lfns = selectFiles(args, owner, seen)
        files, failed = fetch.catalogFiles(fc, lfns, seen) if lfns else ({}, {})
    except catalog.CatalogError as exc:
        cli.fail(str(exc))
    if not lfns:
        print("No file found")
        writeFailed(args.failed_lfns, [])
        sys.exit(cli.EXIT_OK)
    cwd = os.getcwd()  # never $PWD: programs run us in other directories with a stale environment
    plan = local.plan(files, query.localPath, cwd)
    try:
        fetch.addReplicas(fc, files, [lfn for lfn, _path in plan.fetch])
    except catalog.CatalogError as exc:
        cli.fail(str(exc))
    source = args.se or "SE"
    print(f"Download {len(plan.fetch)} files from {source}")
    if plan.present:
        print(f"{len(plan.present)} files already downloaded and verified: skipped")
    if plan.replaced:
        print(f"{len(plan.replaced)} local files differ from the catalog: downloaded again")
    if plan.fetch and not cli.confirm("Do you want to download files:", args.force):
        sys.exit(cli.EXIT_REFUSED)
    results = fetch.fetchAll(plan.fetch, files, args.se, args.parallel) if plan.fetch else {}
    paths = dict(plan.fetch)
    done = {lfn: paths[lfn] for lfn, why in results.items() if why is None}
    failed.update({lfn: why for lfn, why in results.items() if why is not None})
    local.removeEmptyDirs(os.path.dirname(paths[lfn]) for lfn in failed if lfn in paths)
    report(done, failed)
    writeFailed(args.failed_lfns, failed)
    sys.exit(cli.EXIT_OK)


if __name__ == "__main__":
    main()
