"""Delete your own files, datablocks or datasets from the grid (every replica and the catalog entry).

gb2_ds_rm <project | LPN | LFN | wildcard> [-f] [--json]

Only your own space /belle/user/<you>/<path> (or group space, where the server checks your role) can be
deleted; official data (/belle/MC, /belle/Data), raw data, collections and other users' data are refused
(exit 4). The files that will go are listed and you are asked Y/N (-f skips the question). Deleted names
are never reused. Exit code 0 when everything listed is gone, 1 if some files failed, 3 if nothing matched.

Examples:
  gb2_ds_rm my_project                                     # the whole dataset
  gb2_ds_rm my_project/sub00/ntuple_00003_job42_00.root    # one duplicate output
  gb2_ds_rm '/belle/user/alice/proj/sub*/ntuple_*_00.root' -f --json
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.ds import catalog, policy, query, tool
from BelleDIRAC.gbasf2.lib.ds.expand import expand


def parser() -> cli.Parser:
    p = cli.Parser("gb2_ds_rm", __doc__)
    p.add_argument("query", help="project, LPN, LFN or wildcard in your own space")
    cli.addForce(p)
    cli.addJSON(p)
    return p


def removeEmptyDirectories(fc, lpn: str, lfns) -> None:
    """Drop the datablocks (and the dataset) the removal emptied, when a whole directory was asked for."""
    if query.hasWildcard(lpn):
        return
    blocks = sorted({lfn.rsplit("/", 1)[0] for lfn in lfns})
    for paths in (blocks, [lpn] if lpn not in lfns and lpn not in blocks else []):
        if paths:
            fc.removeDirectory(paths)  # best effort: a directory with files left is kept by the catalog


def main() -> None:
    args = parser().parse_args()
    user = tool.start()[0]
    try:
        lpn = policy.checkWritable(tool.resolve(args.query, user), user, "delete")
    except policy.PolicyError as exc:
        cli.fail(str(exc), cli.EXIT_REFUSED)
    fc = catalog.fileCatalog()
    try:
        lfns = expand(lpn, catalog.lister(fc))
    except catalog.CatalogError as exc:
        cli.fail(str(exc))
    if not lfns:
        print(f"No file found for {lpn}")
        sys.exit(cli.EXIT_NOTHING)
    if not args.json:
        print("\n".join(lfns))
    if not args.force and not cli.confirm(f"Do you want to delete these {len(lfns)} files (all replicas)?"):
        sys.exit(cli.EXIT_REFUSED)
    from DIRAC.DataManagementSystem.Client.DataManager import DataManager

    res = DataManager().removeFile(lfns)
    if not res["OK"]:
        cli.fail(res["Message"])
    removed, failed = sorted(res["Value"]["Successful"]), {k: str(v) for k, v in res["Value"]["Failed"].items()}
    removeEmptyDirectories(fc, lpn, removed)
    if args.json:
        cli.printJSON({"Successful": removed, "Failed": failed})
    else:
        print(f"Removed {len(removed)} files")
        for lfn, why in sorted(failed.items()):
            print(f"Failed: {lfn}: {why}")
    sys.exit(cli.EXIT_FAILED if failed else cli.EXIT_OK)


if __name__ == "__main__":
    main()
