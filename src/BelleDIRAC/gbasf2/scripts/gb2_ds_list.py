"""List datasets, datablocks and files on the grid, one path per line.

gb2_ds_list <project | LPN | wildcard> [-l] [-g] [-u USER] [--json]

A dataset (or project) lists its datablocks, a datablock its files, a file itself; '*' wildcards select
entries at any level below /belle. -l adds sizes in bytes (and the file count of a datablock), -g the
SEs holding replicas (-lg for both). Every reschedule (_RR) of a job output is shown. Exit code 3 when
nothing matches.

Examples:
  gb2_ds_list my_project                                   # /belle/user/<you>/my_project/sub00 ...
  gb2_ds_list my_project/sub00 -lg
  gb2_ds_list '/belle/user/alice/proj/sub*/ntuple_*.root' -l
  gb2_ds_list proj -u alice --json
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.ds import catalog, listing, tool
from BelleDIRAC.gbasf2.lib.ds.expand import topLevel


def parser() -> cli.Parser:
    p = cli.Parser("gb2_ds_list", __doc__)
    p.add_argument("query", help="project, LPN, LFN or wildcard")
    p.add_argument("-l", "--long", action="store_true", help="show sizes")
    p.add_argument("-g", "--replicas", action="store_true", help="show the SEs holding replicas")
    cli.addUser(p)
    cli.addJSON(p)
    return p


def main() -> None:
    args = parser().parse_args()
    user = tool.start()[0]
    lpn = tool.resolve(args.query, args.user or user)
    fc = catalog.fileCatalog()
    try:
        entries = topLevel(lpn, catalog.lister(fc))
        rows = listing.describe(fc, entries, sizes=args.long or args.json, replicas=args.replicas or args.json)
    except catalog.CatalogError as exc:
        cli.fail(str(exc))
    if args.json:
        cli.printJSON(rows)
    elif rows:
        print(listing.render(rows, args.long, args.replicas))
    else:
        print(f"No such dataset or file: {lpn}", file=sys.stderr)
    sys.exit(cli.EXIT_OK if rows else cli.EXIT_NOTHING)


if __name__ == "__main__":
    main()
