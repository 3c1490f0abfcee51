"""Rows behind ``gb2_ds_list``: what each listed path is, its size and where its replicas are.

:func:`describe` asks the catalog (bulk, one call per kind of entry); :func:`render` is pure, so the text
format that scripts parse is unit-tested.
"""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib.ds import catalog


def describe(fc, entries, sizes: bool, replicas: bool) -> list[dict]:
    """``[{"Path", "Type", "Size", "Files", "SEs"}]`` for ``(path, isDirectory)`` entries."""
    rows = [{"Path": p, "Type": "Directory" if d else "File"} for p, d in entries]
    files = [r["Path"] for r in rows if r["Type"] == "File"]
    dirs = [r["Path"] for r in rows if r["Type"] == "Directory"]
    info = catalog.fileInfo(fc, files)[0] if files and (sizes or replicas) else {}
    usage = {}
    if dirs and (sizes or replicas):
        res = fc.getDirectorySize(dirs, longOutput=replicas)
        if not res["OK"]:
            raise catalog.CatalogError(f"reading directory sizes: {res['Message']}")
        usage = res["Value"]["Successful"]
    for row in rows:
        path = row["Path"]
        if row["Type"] == "File" and path in info:
            row.update(Size=info[path]["Size"], Files=1, SEs=sorted(info[path]["Replicas"]))
        elif path in usage:
            row.update(Size=usage[path]["TotalSize"], Files=usage[path]["Files"], SEs=sorted(usage[path]["SiteUsage"]))
    return rows


def render(rows: list[dict], sizes: bool, replicas: bool) -> str:
    """One path per line; with ``sizes`` the size in bytes (and ``(<n> files)`` for directories), with
    ``replicas`` the comma-separated SEs, as aligned columns after the path."""
    if not (sizes or replicas):
        return "\n".join(r["Path"] for r in rows)
    width = max(len(r["Path"]) for r in rows)
    sizeWidth = max(len(str(r.get("Size", "-"))) for r in rows)
    lines = []
    for r in rows:
        parts = [r["Path"].ljust(width)]
        if sizes:
            extra = f"  ({r.get('Files', 0)} files)" if r["Type"] == "Directory" else ""
            parts.append(str(r.get("Size", "-")).rjust(sizeWidth) + extra)
        if replicas:
            parts.append(",".join(r.get("SEs", [])) or "-")
        lines.append("   ".join(parts).rstrip())
    return "\n".join(lines)
