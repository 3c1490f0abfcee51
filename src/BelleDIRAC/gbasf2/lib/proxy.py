"""Proxies for the gb2 tools: create one from the user's certificate, upload it, and describe it.

Composed of DIRAC's own pieces (ProxyGeneration, ProxyUpload, ProxyInfo), with the messages analysts know
from gb2_proxy_init. Programs grep this output (b2luigi): success never contains the word "error", and a
wrong passphrase says ``Bad passphrase``.
"""

from __future__ import annotations

from DIRAC import S_ERROR, S_OK

BAD_PASSPHRASE = "Bad passphrase"


def parseLifetime(value: str) -> int:
    """Seconds of ``HH:MM`` (or ``HH``); ValueError for anything else or a non-positive time."""
    hours, _, minutes = value.strip().partition(":")
    if not hours.isdigit() or (minutes and not minutes.isdigit()) or (minutes and int(minutes) >= 60):
        raise ValueError(f"proxy lifetime {value!r} is not HH:MM")
    seconds = int(hours) * 3600 + int(minutes or 0) * 60
    if seconds <= 0:
        raise ValueError("proxy lifetime must be positive")
    return seconds


def create(group: str | None, lifetime: int, fromStdin: bool):
    """Generate the proxy file (asks for the passphrase, or reads it from stdin); ``S_OK(params)``."""
    from DIRAC.FrameworkSystem.Client import ProxyGeneration

    params = ProxyGeneration.CLIParams()
    params.proxyLifeTime = lifetime
    params.diracGroup = group or False
    params.stdinPasswd = fromStdin
    result = ProxyGeneration.generateProxy(params)
    if not result["OK"]:
        return S_ERROR(BAD_PASSPHRASE if "Bad passphrase" in result["Message"] else result["Message"])
    return S_OK(params)


def upload(params):
    """Delegate a long proxy to DIRAC's ProxyManager (jobs and agents act with it); ``S_OK({dn: {group: until}})``."""
    from DIRAC.FrameworkSystem.Client import ProxyUpload

    upParams = ProxyUpload.CLIParams()
    upParams.onTheFly = True
    upParams.proxyLifeTime = params.proxyLifeTime
    for key in ("certLoc", "keyLoc", "userPasswd"):
        setattr(upParams, key, getattr(params, key))
    return ProxyUpload.uploadProxy(upParams)


def describe() -> str | None:
    """DIRAC's description of the current proxy (``subject : ...`` lines), or None without one."""
    from DIRAC.Core.Security.ProxyInfo import getProxyInfoAsString

    result = getProxyInfoAsString(disableVOMS=True)
    return result["Value"] if result["OK"] else None


def uploadedTable(uploaded: dict) -> str:
    """The ``Proxies uploaded:`` table: DN and the time (GMT) until which DIRAC holds a proxy."""
    rows = []
    for dn, until in sorted((uploaded or {}).items()):
        if isinstance(until, dict):
            until = max(until.values()) if until else None
        rows.append((dn, until.strftime("%Y/%m/%d %H:%M") if hasattr(until, "strftime") else str(until)))
    width = max([len("DN")] + [len(dn) for dn, _ in rows])
    return "\n".join([f" {'DN'.ljust(width)} | Until (GMT)"] + [f" {dn.ljust(width)} | {until}" for dn, until in rows])
