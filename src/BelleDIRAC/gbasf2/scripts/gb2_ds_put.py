"""Upload local files to a TMP storage element and register them as a dataset in your user space.

gb2_ds_put -i <local dir or files> -d <TMP SE> [--datablock subNN] [-f] [-j N] <target LPN>

The target is a dataset LPN in your own space (a bare name means /belle/user/<you>/<name>) or in group
space. Files go into subNN datablocks of at most 1000 files, filling the last one first; --datablock (or a
target ending in /subNN) puts them all into that datablock. Only SEs with TMP in the name accept user data.

The files are stored in parallel (-j at a time), then registered together (one catalog call per 1000
files); a file whose bytes did not arrive is not registered. If an upload stops in the middle, what was
registered stays registered: run the same command again to upload the rest (files already registered with
the same size and checksum are skipped, files stored but not registered are stored and registered again).
The exit code is 0 when every file is registered, 1 otherwise, 4 when refused, 5 without a proxy.

Examples:
  gb2_ds_put -i ./ntuples -d KEK-TMP-SE my_ntuples
  gb2_ds_put -i a.root b.root -d DESY-TMP-SE --datablock sub01 /belle/user/alice/my_ntuples
  gb2_ds_put -i ./skims -d KEK-TMP-SE -f /belle/group/physics/charm/skims_2026
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.ds import catalog, policy, tool, upload
from BelleDIRAC.gbasf2.lib.ds.expand import expand


def parser() -> cli.Parser:
    p = cli.Parser("gb2_ds_put", __doc__)
    p.add_argument("target", help="dataset LPN (or project name) to create or extend")
    p.add_argument("-i", "--input", nargs="+", required=True, help="local directory or files")
    p.add_argument("-d", "--destination", required=True, metavar="SE", help="TMP storage element")
    p.add_argument("--datablock", help="put every file into this datablock (sub00, sub01, ...)")
    p.add_argument("-j", "--parallel", type=int, default=8, metavar="N", help="parallel uploads (default 8)")
    cli.addForce(p)
    return p


def assign(dataset: str, block: str | None, names) -> dict[str, str]:
    if block:
        return {name: f"{dataset}/{block}/{name}" for name in names}
    from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement

    res = B2RucioDataManagement().assignLFNs(dataset, sorted(names))
    if not res["OK"]:
        cli.fail(f"cannot choose datablocks: {res['Message']}")
    return res["Value"]


def main() -> None:
    args = parser().parse_args()
    user = tool.start()[0]
    try:
        policy.checkTmpSE(args.destination)
        lpn = policy.checkWritable(tool.resolve(args.target, user), user, "upload to")
        dataset, block = policy.splitTarget(lpn, args.datablock)
        names = upload.localFiles(args.input)
    except policy.PolicyError as exc:
        cli.fail(str(exc), cli.EXIT_REFUSED)
    except ValueError as exc:
        cli.usage(str(exc))
    if not names:
        cli.usage("no files to upload")
    fc = catalog.fileCatalog()
    try:
        registered = catalog.fileInfo(fc, expand(dataset, catalog.lister(fc)))[0]
    except catalog.CatalogError as exc:
        cli.fail(str(exc))
    skip, conflict, todo = upload.alreadyThere(names, registered)
    if skip:
        print(f"{len(skip)} files are already registered with the same checksum: skipped")
    for name, why in sorted(conflict.items()):
        print(f"Error: {name}: {why}", file=sys.stderr)
    targets = assign(dataset, block, todo) if todo else {}
    blocks = sorted({lfn.rsplit("/", 1)[0] for lfn in targets})
    print(f"Upload {len(targets)} files to {args.destination} into {', '.join(blocks) or dataset}")
    if targets and not cli.confirm("Do you want to upload files:", args.force):
        sys.exit(cli.EXIT_REFUSED)
    results = upload.putAll(targets, todo, args.destination, args.parallel) if targets else {}
    failed = {lfn: why for lfn, why in results.items() if why}
    print("\nSuccessfully uploaded files:")
    for lfn in sorted(lfn for lfn, why in results.items() if not why):
        print(lfn)
    print("\n\nFailed files:")
    for lfn in sorted(failed):
        print(f"{lfn}: {failed[lfn]}")
    if failed or conflict:
        print("\nWhat was registered stays registered; run the same command again to upload the rest.")
        sys.exit(cli.EXIT_FAILED)
    sys.exit(cli.EXIT_OK)


if __name__ == "__main__":
    main()
