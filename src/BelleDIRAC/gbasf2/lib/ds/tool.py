"""Start-up shared by the dataset tools: configuration, the proxy guard, resolving what the user typed."""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib import cli, naming
from BelleDIRAC.gbasf2.lib.ds import query


def start() -> tuple[str, str]:
    """Load the configuration and check the proxy (exit 5 with a ``gb2_proxy_init`` hint without one);
    ``(user, group)``."""
    from BelleDIRAC.Client.helpers.common import initializeCS
    from BelleDIRAC.gbasf2.lib.auth import currentUser

    initializeCS()
    return currentUser()


def resolve(text: str, user: str, allowRaw: bool = True) -> str:
    """The absolute LPN of ``text`` (exit 2 for a bad name, 4 for raw data when not allowed)."""
    try:
        lpn = naming.resolveLPN(text, user)
        query.splitPattern(lpn)
    except (naming.NamingError, query.QueryError) as exc:
        cli.usage(str(exc))
    if not allowRaw:
        try:
            query.refuseRaw(lpn)
        except query.QueryError as exc:
            cli.fail(str(exc), cli.EXIT_REFUSED)
    return lpn
