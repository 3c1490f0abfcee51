"""Show how far the replication of a dataset has got: one row per Rucio rule on its datablocks.

gb2_ds_rep_status <project | LPN> [-u USER] [--json]

Columns: LPN, SE (the rule's destination), State (OK, REPLICATING or STUCK) and Files OK/Total (replicas
already at the destination / files the rule covers). A STUCK rule's reason is printed under the table.
Exit code 3 when the LPN has no rules.

Examples:
  gb2_ds_rep_status my_project
  gb2_ds_rep_status /belle/user/alice/proj/sub00 --json
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.ds import catalog, rules, tool
from BelleDIRAC.gbasf2.lib.ds.expand import expand


def parser() -> cli.Parser:
    p = cli.Parser("gb2_ds_rep_status", __doc__)
    p.add_argument("query", help="project, dataset, datablock or file LPN")
    cli.addUser(p)
    cli.addJSON(p)
    return p


def main() -> None:
    args = parser().parse_args()
    user = tool.start()[0]
    lpn = tool.resolve(args.query, args.user or user)
    from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement

    dm = B2RucioDataManagement()
    try:
        targets = rules.targetsOf(lpn, expand(lpn, catalog.lister(catalog.fileCatalog())))
        ruleIDs = sorted({r for ids in rules.rulesOf(dm, targets + [lpn]).values() for r in ids})
    except catalog.CatalogError as exc:
        cli.fail(str(exc))
    res = dm.getRules(ruleIDs) if ruleIDs else {"OK": True, "Value": {"Successful": {}}}
    if not res["OK"]:
        cli.fail(res["Message"])
    rows = rules.statusRows(res["Value"]["Successful"])
    if args.json:
        cli.printJSON(rows)
    elif rows:
        table = [[r["LPN"], r["SE"], r["State"], f"{r['FilesOK']}/{r['FilesTotal']}"] for r in rows]
        print(cli.table(["LPN", "SE", "State", "Files OK/Total"], table))
        for r in rows:
            if r["Error"]:
                print(f"{r['LPN']} -> {r['SE']}: {r['Error']}")
    else:
        print(f"No replication rules for {lpn}")
    sys.exit(cli.EXIT_OK if rows else cli.EXIT_NOTHING)


if __name__ == "__main__":
    main()
