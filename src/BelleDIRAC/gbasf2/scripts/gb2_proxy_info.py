"""Show the grid proxy the gb2 tools use: who, which group, how long it is still valid.

  gb2_proxy_info [--json]

Examples:
  gb2_proxy_info
  gb2_proxy_info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secondsLeft"])'

Exit codes: 0 a valid proxy, 5 none (or expired): run gb2_proxy_init.
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli, proxy

PUBLIC = ("subject", "issuer", "identity", "secondsLeft", "username", "group", "groupProperties", "path", "VO")


def main(argv=None) -> int:
    p = cli.Parser("gb2_proxy_info", __doc__)
    cli.addJSON(p)
    args = p.parse_args(argv)
    from BelleDIRAC.Client.helpers.common import initializeCS

    initializeCS()
    from BelleDIRAC.gbasf2.lib import auth

    info = auth.proxyInfo()
    if not info["OK"]:
        cli.fail(info["Message"], cli.EXIT_AUTH)
    if args.json:
        cli.printJSON({key: info["Value"].get(key) for key in PUBLIC})
    else:
        print(proxy.describe())
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
