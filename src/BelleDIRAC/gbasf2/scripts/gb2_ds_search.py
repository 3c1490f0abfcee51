"""Find datasets by their metadata, or list collections and what they hold.

gb2_ds_search dataset [--data_type mc|data] [--campaign C] [--beam_energy E] [--mc_event T]
                      [--bkg_level BGx0|BGx1] [--skim_decay CODE] [--data_level L] [--release R]
                      [--global_tag G] [--experiment N|N-M] [--run N|N-M] [--path LPN] [--json]
gb2_ds_search collection (--list_all_collections PATTERN | --list_datasets COLLECTION
                          | --get_metadata COLLECTION) [--json]

Datasets match when their datablock or a directory above it carries the metadata (the same search as
the web Dataset Searcher). The datablock LPNs found are printed, usable as gbasf2 -i input. Exit code 3
when nothing matches.

Examples:
  gb2_ds_search dataset --data_type mc --skim_decay 14120601 --campaign MC15rd_b \\
      --beam_energy 4S --mc_event uubar --bkg_level BGx1
  gb2_ds_search dataset --data_type data --experiment 12-18 --data_level mdst
  gb2_ds_search collection --list_all_collections '/belle/collection/Data/*'
  gb2_ds_search collection --get_metadata /belle/collection/Data/proc13_chunk1_had_4S_v1
"""

from __future__ import annotations

import argparse
import sys

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.ds import catalog, search, tool
from BelleDIRAC.gbasf2.lib.ds.expand import topLevel


def parser() -> cli.Parser:
    p = cli.Parser("gb2_ds_search", __doc__)
    sub = p.add_subparsers(dest="command", required=True, parser_class=argparse.ArgumentParser)
    ds = sub.add_parser("dataset", help="find datasets by metadata")
    for option in search.OPTIONS:
        ds.add_argument(f"--{option}")
    ds.add_argument("--experiment", help="experiment number or range N-M")
    ds.add_argument("--run", help="run number or range N-M")
    ds.add_argument("--path", default="/belle", help="search below this LPN (default /belle)")
    cli.addJSON(ds)
    coll = sub.add_parser("collection", help="list collections and their datasets")
    what = coll.add_mutually_exclusive_group(required=True)
    what.add_argument("--list_all_collections", "--list_all_collection", metavar="PATTERN")
    what.add_argument("--list_datasets", metavar="COLLECTION")
    what.add_argument("--get_metadata", metavar="COLLECTION")
    cli.addJSON(coll)
    return p


def datasets(args) -> list[str]:
    try:
        metaQuery = search.metaQuery(vars(args))
    except search.SearchError as exc:
        cli.usage(str(exc))
    from BelleDIRAC.DataManagementSystem.Client.B2RucioDataManagement import B2RucioDataManagement

    res = B2RucioDataManagement().findDatasets(metaQuery, args.path.rstrip("/") or "/belle")
    if not res["OK"]:
        cli.fail(res["Message"])
    return res["Value"]


def collection(args, user: str):
    fc = catalog.fileCatalog()
    if args.get_metadata:
        lpn = tool.resolve(args.get_metadata, user)
        res = fc.getDirectoryUserMetadata(lpn)
        if not res["OK"]:
            cli.fail(res["Message"])
        if lpn not in res["Value"]["Successful"]:
            cli.fail(f"{lpn}: {res['Value']['Failed'].get(lpn)}", cli.EXIT_NOTHING)
        return res["Value"]["Successful"][lpn]
    lpn = tool.resolve(args.list_all_collections or args.list_datasets, user)
    try:
        return [path for path, _isDir in topLevel(lpn, catalog.lister(fc))]
    except catalog.CatalogError as exc:
        cli.fail(str(exc))


def main() -> None:
    args = parser().parse_args()
    user = tool.start()[0]
    found = datasets(args) if args.command == "dataset" else collection(args, user)
    if args.json:
        cli.printJSON(found)
    elif isinstance(found, dict):
        print("########## Metadata of Collection ###############")
        for key, value in sorted(found.items()):
            print(f"{key}: {value}")
    elif found:
        print("Matching datasets found:" if args.command == "dataset" else "Matching collections found:")
        for lpn in found:
            print(f"\t{lpn}")
    else:
        print("No matching datasets found" if args.command == "dataset" else "No matching collections found")
    sys.exit(cli.EXIT_OK if found else cli.EXIT_NOTHING)


if __name__ == "__main__":
    main()
