"""The catalog calls behind the dataset tools, through DIRAC's ``FileCatalog`` (the Rucio plugin).

Every function returns plain data or raises :class:`CatalogError` with the catalog's message, so that the
tools and :class:`.Manager` decide in one place what is an error and what is simply "nothing there".
"""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib.ds.expand import FILE

NO_SUCH = "No such file or directory"
CHUNK = 1000  # the plugin makes one Rucio call per 1000 LFNs; smaller calls only cost round trips


class CatalogError(RuntimeError):
    """The catalog could not answer (server down, no permission); not "no such file"."""


def fileCatalog():
    from DIRAC.Resources.Catalog.FileCatalog import FileCatalog

    return FileCatalog()


def _value(result, what: str):
    if not result["OK"]:
        raise CatalogError(f"{what}: {result['Message']}")
    return result["Value"]


def lister(fc, seen: dict | None = None):
    """A ``listDir`` for :mod:`.expand` backed by ``fc.listDirectory``; the size and checksum the listing
    gives for each file are kept in ``seen`` (``{lfn: {"Size", "Checksum"}}``), if given."""

    def listDir(paths):
        out = {}
        for i in range(0, len(paths), CHUNK):
            value = _value(fc.listDirectory(list(paths[i : i + CHUNK])), "listing the catalog")
            for path, entry in value["Successful"].items():
                out[path] = (sorted(entry.get("Files", {})), sorted(entry.get("SubDirs", {})))
                for lfn, info in entry.get("Files", {}).items() if seen is not None else ():
                    meta = info.get("MetaData") or {}
                    if meta.get("Checksum"):
                        seen[lfn] = {"Size": meta.get("Size") or 0, "Checksum": str(meta["Checksum"])}
            for path, why in value["Failed"].items():
                if "Not a directory" in str(why):
                    out[path] = FILE
                elif NO_SUCH in str(why):
                    out[path] = None
                else:
                    raise CatalogError(f"listing {path}: {why}")
        return out

    return listDir


def fileInfo(fc, lfns, replicas: bool = True) -> tuple[dict[str, dict], dict[str, str]]:
    """``({lfn: {"Size", "Checksum", "Replicas": {se: pfn}}}, {lfn: reason})`` for files (available
    replicas only: a copy still being written must not be read; ``replicas=False`` leaves them empty and
    saves the lookup)."""
    info, failed = {}, {}
    lfns = list(lfns)
    for i in range(0, len(lfns), CHUNK):
        chunk = lfns[i : i + CHUNK]
        meta = _value(fc.getFileMetadata(chunk), "reading file metadata")
        reps = _value(fc.getReplicas(chunk), "reading replicas")["Successful"] if replicas else {}
        failed.update(meta["Failed"])
        for lfn, m in meta["Successful"].items():
            info[lfn] = {
                "Size": m.get("Size") or 0,
                "Checksum": str(m.get("Checksum") or ""),
                "Replicas": dict(reps.get(lfn) or {}),
            }
    return info, failed
