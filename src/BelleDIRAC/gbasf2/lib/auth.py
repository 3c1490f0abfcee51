"""Who is calling: the proxy a gb2 tool runs with, and a guard that explains what to do without one."""

from __future__ import annotations

import functools
import sys

from DIRAC import S_ERROR, S_OK

EXIT_AUTH = 5
NO_PROXY = "no valid proxy: run gb2_proxy_init -g <group> (e.g. gb2_proxy_init -g belle)"


def _readProxy():
    """DIRAC's credentials of the proxy file (``getProxyInfo``'s core, read with X509Chain directly: importing
    ``ProxyInfo`` also loads the DiracX client, 0.75 s of every gb2 tool's start-up)."""
    from DIRAC.Core.Security import Locations
    from DIRAC.Core.Security.X509Chain import X509Chain

    path = Locations.getProxyLocation()
    if not path:
        return S_ERROR("no proxy file found")
    chain = X509Chain()
    result = chain.loadProxyFromFile(path)
    if not result["OK"]:
        return S_ERROR(f"{path}: {result['Message']}")
    result = chain.getCredentials(withRegistryInfo=True)
    if result["OK"]:
        result["Value"]["path"] = path
    return result


def proxyInfo(minSeconds: int = 1):
    """``S_OK(info)`` for a proxy with at least ``minSeconds`` left (``username``, ``group``, ``secondsLeft``,
    ``identity``, ``path``... as DIRAC's getProxyInfo names them)."""
    result = _readProxy()
    if not result["OK"]:
        return S_ERROR(f"{NO_PROXY} ({result['Message']})")
    info = result["Value"]
    if info.get("secondsLeft", 0) < minSeconds:
        return S_ERROR(f"{NO_PROXY} (the proxy at {info.get('path')} has expired)")
    if not info.get("username") or not info.get("group"):
        return S_ERROR(f"{NO_PROXY} (the proxy at {info.get('path')} is not registered in DIRAC)")
    return S_OK(info)


def currentUser() -> tuple[str, str]:
    """``(username, group)`` of the caller's proxy; exits with a clear message when there is none."""
    info = proxyInfo()
    if not info["OK"]:
        print(info["Message"], file=sys.stderr)
        sys.exit(EXIT_AUTH)
    return info["Value"]["username"], info["Value"]["group"]


def userCreds(func):
    """Run ``func`` only with a valid proxy; its return value (and any ``SystemExit``) passes unchanged.

    Without a proxy the program stops with exit code 5 and the message :data:`NO_PROXY` on stderr.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        currentUser()
        return func(*args, **kwargs)

    return wrapper
