"""Create a grid proxy from your certificate and register it with DIRAC, for a DIRAC group.

  gb2_proxy_init [-g <group>] [-v HH:MM] [--pwstdin]

The certificate and key are ~/.globus/usercert.pem and userkey.pem (or $X509_USER_CERT / $X509_USER_KEY);
the proxy is written where DIRAC looks for it ($X509_USER_PROXY, else /tmp/x509up_u<uid>). The default
group is your default DIRAC group; the default lifetime 24 hours.

Examples:
  gb2_proxy_init -g belle_user
  gb2_proxy_init -g belle_user -v 48:00
  echo -n "$PASS" | gb2_proxy_init -g belle_user --pwstdin      # no terminal (scripts, b2luigi)

Exit codes: 0 proxy created (and, with --pwstdin, also after "Bad passphrase", which programs read
to ask again), 1 failure, 2 bad usage, 5 wrong passphrase at a terminal.
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli, proxy


def parser() -> cli.Parser:
    p = cli.Parser("gb2_proxy_init", __doc__)
    p.add_argument("-g", "--group", help="DIRAC group of the proxy (default: your default group)")
    p.add_argument("-v", "--valid", default="24:00", help="lifetime HH:MM (default 24:00)")
    p.add_argument("--pwstdin", action="store_true", help="read the passphrase from stdin (no prompt)")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        lifetime = proxy.parseLifetime(args.valid)
    except ValueError as exc:
        cli.usage(str(exc))
    from BelleDIRAC.Client.helpers.common import initializeCS

    initializeCS(contactCS=False)  # DIRAC contacts the CS once the proxy exists
    print("Generating proxy...", flush=True)
    created = proxy.create(args.group, lifetime, args.pwstdin)
    if not created["OK"]:
        if created["Message"] == proxy.BAD_PASSPHRASE:
            print(proxy.BAD_PASSPHRASE)
            return cli.EXIT_OK if args.pwstdin else cli.EXIT_AUTH
        cli.fail(created["Message"])
    params = created["Value"]
    print("Uploading proxy..", flush=True)
    uploaded = proxy.upload(params)
    if not uploaded["OK"]:
        cli.fail(f"the proxy was created but DIRAC did not accept it: {uploaded['Message']}")
    print("Proxy uploaded")
    print("Proxy generated:")
    print(proxy.describe() or "")
    print("\nProxies uploaded:")
    print(proxy.uploadedTable(uploaded["Value"]))
    print("Succeed with return value:\n0")
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
