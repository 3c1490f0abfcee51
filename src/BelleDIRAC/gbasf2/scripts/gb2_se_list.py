"""List the storage elements (SEs) of the grid, marking where user data may go (TMP) and official data
(DATA).

gb2_se_list [--json]

User uploads (gb2_ds_put) and replicas (gb2_ds_rep) may only go to TMP SEs, which are purged
periodically; DATA SEs hold official production. Sandbox stores are not listed.

Examples:
  gb2_se_list
  gb2_se_list --json
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli
from BelleDIRAC.gbasf2.lib.ds import tool

SECTION = "/Resources/StorageElements"


def storageElements() -> list[dict]:
    """``[{"SE", "Type"}]`` from the CS, without sandbox stores (DISET back ends, ``*Sandbox*`` names)."""
    from DIRAC import gConfig

    res = gConfig.getSections(SECTION)
    if not res["OK"]:
        cli.fail(f"cannot read {SECTION}: {res['Message']}")
    out = []
    for name in sorted(res["Value"]):
        backend = gConfig.getValue(f"{SECTION}/{name}/BackendType", "")
        if backend == "DISET" or "sandbox" in name.lower():
            continue
        out.append({"SE": name, "Type": "TMP" if "TMP" in name.upper() else "DATA"})
    return out


def main() -> None:
    args = cli.Parser("gb2_se_list", __doc__)
    cli.addJSON(args)
    args = args.parse_args()
    tool.start()
    rows = storageElements()
    if args.json:
        cli.printJSON(rows)
    else:
        print(cli.table(["SE", "Type"], [[r["SE"], r["Type"]] for r in rows]))
    sys.exit(cli.EXIT_OK)


if __name__ == "__main__":
    main()
