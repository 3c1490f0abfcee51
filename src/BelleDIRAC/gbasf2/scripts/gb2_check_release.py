"""List the basf2 releases jobs can use on the grid, or check one.

  gb2_check_release [-r <release>] [--json]

Examples:
  gb2_check_release
  gb2_check_release -r light-2511-gacrux && gbasf2 ana.py -s light-2511-gacrux ...

Exit codes: 0 listed / available, 3 the release asked for is not available.
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli


def main(argv=None) -> int:
    p = cli.Parser("gb2_check_release", __doc__)
    p.add_argument("-r", "--release", help="check this release only")
    cli.addJSON(p)
    args = p.parse_args(argv)
    from BelleDIRAC.Client.helpers.common import initializeCS

    initializeCS()
    from DIRAC.ConfigurationSystem.Client.Helpers.Operations import Operations

    ops = Operations()
    releases, default = ops.getValue("gbasf2/Releases", []), ops.getValue("gbasf2/DefaultRelease", "")
    if args.release:
        available = args.release in releases
        if args.json:
            cli.printJSON({"release": args.release, "available": available})
        else:
            print(f"{args.release} is {'' if available else 'not '}available on the grid")
        return cli.EXIT_OK if available else cli.EXIT_NOTHING
    if args.json:
        cli.printJSON({"releases": releases, "default": default})
        return cli.EXIT_OK
    print("Available releases:")
    for release in releases:
        print(f"  {release}{'  (default)' if release == default else ''}")
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
