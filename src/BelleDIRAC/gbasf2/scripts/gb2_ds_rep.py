"""Replicate a dataset, datablock or file to another TMP storage element (one Rucio rule per datablock).

gb2_ds_rep -d <destination TMP SE> <project | LPN> [-s SOURCE_SE] [-f] [--json]

Rucio copies the files in the background and keeps the new replicas as long as the rule lives; follow the
progress with gb2_ds_rep_status. Asking again for the same destination returns the existing rules. Only
SEs with TMP in the name accept user data. The rule IDs are printed.

Examples:
  gb2_ds_rep -d DESY-TMP-SE my_project
  gb2_ds_rep -d KEK-TMP-SE /belle/user/alice/proj/sub01 -f --json
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.ds import catalog, policy, rules, tool
from BelleDIRAC.gbasf2.lib.ds.expand import expand


def parser() -> cli.Parser:
    p = cli.Parser("gb2_ds_rep", __doc__)
    p.add_argument("query", help="project, dataset, datablock or file LPN")
    p.add_argument("-d", "--destination", required=True, metavar="SE", help="destination TMP SE")
    p.add_argument("-s", "--source", metavar="SE", help="accepted for compatibility: Rucio picks the source")
    cli.addUser(p)
    cli.addForce(p)
    cli.addJSON(p)
    return p


def main() -> None:
    args = parser().parse_args()
    user = tool.start()[0]
    try:
        policy.checkTmpSE(args.destination)
    except policy.PolicyError as exc:
        cli.fail(str(exc), cli.EXIT_REFUSED)
    lpn = tool.resolve(args.query, args.user or user, allowRaw=False)
    try:
        targets = rules.targetsOf(lpn, expand(lpn, catalog.lister(catalog.fileCatalog())))
    except catalog.CatalogError as exc:
        cli.fail(str(exc))
    if not targets:
        cli.fail(f"No file found for {lpn}", cli.EXIT_NOTHING)
    if not args.json:
        print("\n".join(targets))
    if not args.force and not cli.confirm(f"Replicate these {len(targets)} datablocks to {args.destination}?"):
        sys.exit(cli.EXIT_REFUSED)
    from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement

    res = B2RucioDataManagement().addRules(targets, args.destination)
    if not res["OK"]:
        cli.fail(res["Message"])
    done, failed = res["Value"]["Successful"], res["Value"]["Failed"]
    if args.json:
        cli.printJSON({"Successful": done, "Failed": failed})
    else:
        print(cli.table(["LPN", "Rule ID"], [[lpn, rule] for lpn, rule in sorted(done.items())]))
        for lpn, why in sorted(failed.items()):
            print(f"Failed: {lpn}: {why}")
    sys.exit(cli.EXIT_FAILED if failed else cli.EXIT_OK)


if __name__ == "__main__":
    main()
