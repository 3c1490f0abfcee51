"""Rucio as DIRAC's file and metadata catalog, the way Belle II names and groups its files.

Loaded by DIRAC's ``FileCatalogFactory`` through ObjectLoader for ``CatalogType = RucioFileCatalog`` (the
type DIRAC's own Rucio agents recognise), in place of DIRAC's vanilla client. What differs from it:

* Belle II naming (:mod:`.lfn_naming`): an LFN's DID name is the LFN, its scope is ``scopeOf``; files
  live in ``subNN`` datablocks (Rucio datasets of at most 1000 files) under containers. Bad LFNs are
  refused per LFN before anything reaches Rucio.
* Bulk: one Rucio call per chunk of at most 1000 items, never one per file (see :mod:`.rucio_plan`);
  every LFN is answered in ``Successful`` or ``Failed`` with a reason.
* ``addFile`` creates a file, its replica and its datablock membership in one transaction, so nothing is
  half-registered, and a retry of the same registration succeeds without duplicates.
* ``removeReplica`` forgets the replica at the SE asked for, not every rule of the file.
* Metadata is typed (:mod:`.b2metadata`) and stored in Rucio's JSON plugin.

Credentials: the Rucio client configuration of the process (``RUCIO_CONFIG``), else the DIRAC proxy
(x509, account = DIRAC user name) with the ``RucioHost``/``AuthHost`` options of the catalog's CS section.
"""

from __future__ import annotations

from DIRAC import S_ERROR, S_OK, gLogger
from DIRAC.Resources.Catalog.FileCatalogClientBase import FileCatalogClientBase
from DIRAC.Resources.Catalog.Utilities import checkCatalogArguments

from BelleDIRAC.Resources.Catalog import b2metadata
from BelleDIRAC.Resources.Catalog.rucio_catalog_write import RucioCatalogWriteMixin, rucioErrors
from BelleDIRAC.Resources.Catalog.rucio_plan import (
    NO_SUCH_FILE,
    chunked,
    didsOf,
    directorySize,
    fileMetadata,
    replicasResult,
)

sLog = gLogger.getSubLogger(__name__)
COLLECTIONS = ("DATASET", "CONTAINER")


class RucioFileCatalogClient(RucioCatalogWriteMixin, FileCatalogClientBase):
    READ_METHODS = FileCatalogClientBase.READ_METHODS + [
        "isFile",
        "isDirectory",
        "getReplicas",
        "getReplicaStatus",
        "getFileMetadata",
        "getFileSize",
        "listDirectory",
        "getDirectorySize",
        "getFileUserMetadata",
        "getDirectoryUserMetadata",
        "getMetadataFields",
        "findFilesByMetadata",
    ]
    WRITE_METHODS = FileCatalogClientBase.WRITE_METHODS + RucioCatalogWriteMixin.WRITE
    NO_LFN_METHODS = FileCatalogClientBase.NO_LFN_METHODS + ["getMetadataFields", "findFilesByMetadata"]

    def __init__(self, **options):
        """No server call here: DIRAC builds catalogs eagerly; the connection is made on first use."""
        super().__init__()
        self.options = options
        self.timeout = int(options.get("Timeout", 120))
        self._client = None
        self._userScopes = None

    # ---- connection ----

    @property
    def client(self):
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self):
        from rucio.client import Client

        try:
            return Client(timeout=self.timeout)
        except Exception as exc:  # no usable RUCIO_CONFIG: fall back to the DIRAC proxy
            if not self.options.get("RucioHost"):
                raise
            sLog.debug("No Rucio client configuration, using the proxy", repr(exc))
        from DIRAC.Core.Security import Locations
        from DIRAC.Core.Security.ProxyInfo import getProxyInfo

        info = getProxyInfo(disableVOMS=True)
        if not info["OK"]:
            raise RuntimeError(f"no Rucio configuration and no proxy: {info['Message']}")
        return Client(
            account=info["Value"]["username"],
            rucio_host=self.options["RucioHost"],
            auth_host=self.options.get("AuthHost", self.options["RucioHost"]),
            ca_cert=Locations.getCAsLocation(),
            auth_type="x509_proxy",
            creds={"client_proxy": info["Value"]["path"]},
            timeout=self.timeout,
        )

    @property
    def userScopes(self) -> set[str]:
        """The per-user/group scopes that exist (they decide where a user's files go): read once."""
        if self._userScopes is None:
            self._userScopes = {s for s in self.client.list_scopes() if s.startswith(("user.", "group."))}
        return self._userScopes

    def isOK(self, timeout=120):
        try:
            self.client.ping()
            return S_OK(True)
        except Exception as exc:
            return S_ERROR(f"Rucio server unreachable: {exc}")

    def _dids(self, lfns):
        return didsOf(lfns, self.userScopes)

    def _didMeta(self, dids: dict) -> dict[str, dict]:
        """name -> DID_COLUMN metadata for the DIDs that exist (one call per 1000)."""
        out = {}
        for chunk in chunked(dids.values()):
            for meta in self.client.get_metadata_bulk(chunk, plugin="DID_COLUMN"):
                out[meta["name"]] = meta
        return out

    def _existence(self, lfns, test):
        dids, failed = self._dids(lfns)
        metas = self._didMeta(dids)
        successful = {lfn: test(metas[lfn]) for lfn in dids if lfn in metas}
        failed.update({lfn: NO_SUCH_FILE for lfn in dids if lfn not in metas})
        return successful, failed

    # ---- read methods ----

    @checkCatalogArguments
    @rucioErrors
    def exists(self, lfns):
        # DIRAC's DataManager expects the LFN itself for an existing file (a GUID match would name another)
        successful, failed = self._existence(lfns, lambda meta: meta["name"])
        successful.update({lfn: False for lfn, why in list(failed.items()) if why == NO_SUCH_FILE})
        return S_OK({"Successful": successful, "Failed": {k: v for k, v in failed.items() if v != NO_SUCH_FILE}})

    @checkCatalogArguments
    @rucioErrors
    def isFile(self, lfns):
        successful, failed = self._existence(lfns, lambda meta: meta["did_type"] == "FILE")
        return S_OK({"Successful": successful, "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def isDirectory(self, lfns):
        successful, failed = self._existence(lfns, lambda meta: meta["did_type"] in COLLECTIONS)
        return S_OK({"Successful": successful, "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def getFileMetadata(self, lfns, ownership=False):
        successful, failed = self._existence(lfns, fileMetadata)
        return S_OK({"Successful": successful, "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def getFileSize(self, lfns):
        successful, failed = self._existence(lfns, lambda meta: meta.get("bytes") or 0)
        return S_OK({"Successful": successful, "Failed": failed})

    def _listReplicas(self, dids: dict):
        for chunk in chunked(dids.values()):
            yield from self.client.list_replicas(chunk, all_states=True, ignore_availability=True)

    @checkCatalogArguments
    @rucioErrors
    def getReplicas(self, lfns, allStatus=False):
        dids, failed = self._dids(lfns)
        result = replicasResult(list(dids), dids, self._listReplicas(dids), allStatus)
        result["Failed"].update(failed)
        return S_OK(result)

    @checkCatalogArguments
    @rucioErrors
    def getReplicaStatus(self, lfns):
        """``{lfn: {se: status}}`` for the SEs asked for (``{lfn: se}`` or ``{lfn: [ses]}``)."""
        dids, failed = self._dids(lfns)
        states = {rep["name"]: rep.get("states") or {} for rep in self._listReplicas(dids)}
        successful = {}
        for lfn in dids:
            if lfn not in states:
                failed[lfn] = NO_SUCH_FILE
                continue
            wanted = lfns[lfn] if isinstance(lfns[lfn], (list, tuple)) else [lfns[lfn]]
            asked = [se for se in wanted if isinstance(se, str)] or list(states[lfn])
            successful[lfn] = {se: states[lfn].get(se, "Missing") for se in asked}
        return S_OK({"Successful": successful, "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def listDirectory(self, lfns, verbose=False):
        """Containers list their datasets/containers as SubDirs; datasets list their files."""
        dids, failed = self._dids(lfns)
        metas = self._didMeta(dids)
        successful = {}
        for lfn, did in dids.items():
            kind = metas.get(lfn, {}).get("did_type")
            if kind is None:
                failed[lfn] = NO_SUCH_FILE
            elif kind == "FILE":
                failed[lfn] = "Not a directory"
            else:
                entry = {"Files": {}, "SubDirs": {}, "Links": {}}
                if kind == "DATASET":  # a datablock holds files only; list_files also gives their checksums
                    for f in self.client.list_files(did["scope"], did["name"]):
                        meta = {"Size": f.get("bytes") or 0, "Checksum": str(f.get("adler32") or ""),
                                "ChecksumType": "AD"}  # fmt: skip
                        entry["Files"][f["name"]] = {"MetaData": meta}
                for child in self.client.list_content(did["scope"], did["name"]) if kind != "DATASET" else []:
                    if child["type"] == "FILE":
                        entry["Files"][child["name"]] = {"MetaData": {"Size": child.get("bytes") or 0}}
                    else:
                        entry["SubDirs"][child["name"]] = {"Mode": 0o775}
                if verbose and entry["Files"]:
                    files = self._existence(list(entry["Files"]), fileMetadata)[0]
                    entry["Files"] = {name: {"MetaData": meta} for name, meta in files.items()}
                successful[lfn] = entry
        return S_OK({"Successful": successful, "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def getDirectorySize(self, lfns, longOutput=False, rawFiles=False):
        dids, failed = self._dids(lfns)
        metas = self._didMeta(dids)
        successful = {}
        for lfn, did in dids.items():
            kind = metas.get(lfn, {}).get("did_type")
            if kind not in COLLECTIONS:
                failed[lfn] = NO_SUCH_FILE if kind is None else "Not a directory"
                continue
            files = list(self.client.list_files(did["scope"], did["name"]))
            replicas = list(self.client.list_replicas([did], all_states=True)) if longOutput else []
            successful[lfn] = directorySize(files, replicas)
            successful[lfn]["SubDirs"] = {
                c["name"]: 0 for c in self.client.list_content(did["scope"], did["name"]) if c["type"] != "FILE"
            }
        return S_OK({"Successful": successful, "Failed": failed})

    def _userMetadata(self, lfns, wantFile: bool):
        dids, failed = self._dids(lfns)
        kinds = {lfn: meta["did_type"] for lfn, meta in self._didMeta(dids).items()}
        successful = {}
        asked = {lfn: did for lfn, did in dids.items() if (kinds.get(lfn) == "FILE") == wantFile and lfn in kinds}
        for chunk in chunked(asked.values()):
            for meta in self.client.get_metadata_bulk(chunk, plugin="JSON"):
                successful[meta["name"]] = b2metadata.fromRucio(
                    {k: v for k, v in meta.items() if k not in ("scope", "name")}
                )
        for lfn in dids:
            if lfn not in kinds:
                failed[lfn] = NO_SUCH_FILE
            elif lfn not in asked:
                failed[lfn] = "Not a directory" if wantFile is False else "Not a file"
            else:
                successful.setdefault(lfn, {})
        return S_OK({"Successful": successful, "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def getFileUserMetadata(self, lfns):
        return self._userMetadata(lfns, wantFile=True)

    @checkCatalogArguments
    @rucioErrors
    def getDirectoryUserMetadata(self, lfns):
        return self._userMetadata(lfns, wantFile=False)

    def getMetadataFields(self):
        """The typed Belle II keys, as DIRAC's metadata tools expect them."""
        fields = b2metadata.fieldTypes()
        return S_OK({"FileMetaFields": fields, "DirectoryMetaFields": dict(fields)})

    @rucioErrors
    def findFilesByMetadata(self, metaQuery, path="/", timeout=120):
        """LFNs below ``path`` of files matching the query, or in datasets/containers matching it (the
        directory metadata that DIRAC's catalog lets files inherit)."""
        try:
            matches = self._matchingDIDs(metaQuery, path)
        except b2metadata.MetadataError as exc:
            return S_ERROR(str(exc))
        found = set()
        for scope, meta in matches:
            if meta["did_type"] == "FILE":
                found.add(meta["name"])
            else:
                found.update(f["name"] for f in self.client.list_files(scope, meta["name"]))
        return S_OK(sorted(found))

    def _matchingDIDs(self, metaQuery, path: str) -> list[tuple[str, dict]]:
        """``(scope, DID_COLUMN metadata)`` of every DID below ``path`` whose own metadata matches the query
        (raises :class:`.MetadataError` for a bad query). Rucio's JSON filter ignores the DID type, so the
        kinds are read back here."""
        filters = b2metadata.queryToRucioFilters(dict(metaQuery))
        path = path.rstrip("/") or "/"
        out = []
        for scope in self._queryScopes(path):
            names = list(self.client.list_dids(scope, filters, did_type="all"))
            below = [n for n in names if path == "/" or n == path or n.startswith(path + "/")]
            for chunk in chunked(below):
                out.extend(
                    (scope, meta)
                    for meta in self.client.get_metadata_bulk([{"scope": scope, "name": n} for n in chunk])
                )
        return out

    def _queryScopes(self, path: str) -> list[str]:
        """Every scope: a directory's files may sit in several (``/belle/Data/proc/...`` in ``data`` and
        ``data_tmp``), and one ``list_dids`` per scope is cheap next to missing a file."""
        return sorted(self.client.list_scopes())
