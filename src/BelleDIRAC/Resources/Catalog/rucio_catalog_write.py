"""The write half of the Rucio catalog plugin (registration, replicas, removal, directories, metadata).

A mixin of :class:`.RucioFileCatalogClient`, which provides ``client``, ``userScopes``, ``_dids`` and
``_didMeta``. Decisions come from :mod:`.rucio_plan`; this module only sends them, in bulk.

When a bulk call fails for one bad item (a checksum that disagrees with the catalog, a file that is really
a directory) the chunk is split in halves until the culprit is found, so the others still go through and
each refused LFN gets Rucio's own reason: a few calls more for a bad file, never one call per file.
Errors that concern the whole call (the server unreachable, no permission on the scope) end it at once.
"""

from __future__ import annotations

import functools

from DIRAC import S_ERROR, S_OK, gLogger
from DIRAC.Resources.Catalog.Utilities import checkCatalogArguments

from BelleDIRAC.Resources.Catalog import b2metadata, lfn_naming
from BelleDIRAC.Resources.Catalog.rucio_plan import (
    NO_SUCH_FILE,
    chunked,
    containerChain,
    normalizeAdler32,
    parseFileInfo,
    planRegistration,
    refuseOverfull,
)

# Rucio exceptions that concern single items of a bulk call (worth splitting the call to find them).
ITEM_ERRORS = ("FileConsistencyMismatch", "UnsupportedOperation", "FileReplicaAlreadyExists", "Duplicate",
               "DataIdentifierNotFound", "InvalidObject", "DataIdentifierAlreadyExists",
               "DuplicateContent")  # fmt: skip


sLog = gLogger.getSubLogger(__name__)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def rucioErrors(method):
    """Turn a Rucio client exception that escaped a catalog method into an ``S_ERROR`` naming the call."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # the Rucio client raises many unrelated types: none may escape a catalog
            sLog.warn(f"Rucio {method.__name__} failed", repr(exc))
            return S_ERROR(f"Rucio catalog {method.__name__}: {_reason(exc)}")

    return wrapper


def _fatal(exc: Exception) -> bool:
    """True for errors after which nothing else in the call can succeed (no server, no login)."""
    import requests
    from rucio.common.exception import CannotAuthenticate, ServerConnectionException

    return isinstance(exc, (requests.RequestException, ServerConnectionException, CannotAuthenticate, OSError))


class RucioCatalogWriteMixin:
    WRITE = ["addFile", "addReplica", "removeFile", "removeReplica", "createDirectory", "removeDirectory",
             "setMetadata"]  # fmt: skip

    def _bulk(self, call, items: list, keyOf, failed: dict) -> list:
        """``call(items)`` as one request; items Rucio refuses go to ``failed[keyOf(item)]``; returns the
        items that were accepted. Whole-call errors fail every item; unreachable server re-raises."""
        if not items:
            return []
        try:
            call(items)
            return list(items)
        except Exception as exc:
            if _fatal(exc):
                raise
            if len(items) == 1 or type(exc).__name__ not in ITEM_ERRORS:
                for item in items:
                    failed[keyOf(item)] = _reason(exc)
                return []
            mid = len(items) // 2
            return self._bulk(call, items[:mid], keyOf, failed) + self._bulk(call, items[mid:], keyOf, failed)

    def _perSE(self, method, bySE: dict[str, list], failed: dict) -> list[str]:
        """``method(se, files)`` per SE and chunk of 1000; the names Rucio accepted."""
        done = []
        for se, files in bySE.items():
            for chunk in chunked(files):
                call = lambda fs, se=se: method(se, fs)  # noqa: E731
                done += [f["name"] for f in self._bulk(call, chunk, lambda f: f["name"], failed)]
        return done

    def _ensureCollections(self, datablocks, failed: dict, containers=()) -> dict[str, int]:
        """Create what is missing of the datablocks' datasets (and of ``containers``) with the containers
        above them (same scope), link them, and return each usable datablock's current number of files;
        for an unusable one, ``failed[block]`` says why (the first problem on its path)."""
        paths = {}
        for block in datablocks:
            paths[block] = [*containerChain(block, self.userScopes),
                            {"scope": lfn_naming.scopeOf(block, self.userScopes), "name": block}]  # fmt: skip
        for name in containers:
            paths[name] = containerChain(name + "/sub00", self.userScopes)
        wanted = {d["name"]: d for path in paths.values() for d in path}
        have = self._didMeta(wanted)
        problems: dict[str, str] = {}
        for name, meta in have.items():
            expected = "DATASET" if name in datablocks else "CONTAINER"
            if meta["did_type"] != expected:
                problems[name] = f"{name} exists as a {meta['did_type'].lower()}, not as a {expected.lower()}"
        missing = [d for n, d in wanted.items() if n not in have]
        self._bulk(self._addCollections("container"), [d for d in missing if d["name"] not in datablocks],
                   lambda d: d["name"], problems)  # fmt: skip
        self._bulk(self._addCollections("dataset"), [d for d in missing if d["name"] in datablocks],
                   lambda d: d["name"], problems)  # fmt: skip
        links = {}
        for path in paths.values():
            for parent, child in zip(path, path[1:], strict=False):
                links[child["name"]] = {"scope": parent["scope"], "name": parent["name"], "dids": [dict(child)]}
        for chunk in chunked(list(links.values())):
            self._bulk(self._link, chunk, lambda a: a["dids"][0]["name"], problems)
        sizes = {}
        for block, path in paths.items():
            reason = next((problems[d["name"]] for d in path if d["name"] in problems), None)
            if reason:
                failed[block] = reason
            elif block in datablocks:
                # Rucio keeps an open dataset's length up to date only on request: count (one call per block)
                sizes[block] = (
                    self.client.get_did(path[-1]["scope"], block, dynamic_depth="FILE")["length"] or 0
                    if block in have
                    else 0
                )
        return sizes

    def _link(self, attachments):
        """Link collections to their parents. ``ignore_duplicate`` checks before it inserts, so a registration
        into the same new datablock running at the same moment can still win the insert (DuplicateContent):
        the link we wanted then exists."""
        from rucio.common.exception import DuplicateContent

        try:
            self.client.attach_dids_to_dids(attachments, ignore_duplicate=True)
        except DuplicateContent:
            if len(attachments) > 1:
                raise  # split: the others still need linking

    def _addCollections(self, kind: str):
        def call(items):
            from rucio.common.exception import DataIdentifierAlreadyExists

            try:
                (self.client.add_containers if kind == "container" else self.client.add_datasets)(
                    [{"scope": d["scope"], "name": d["name"]} for d in items]
                )
            except DataIdentifierAlreadyExists:
                if len(items) > 1:
                    raise  # split: most of them are new
                # created meanwhile by another registration: what we wanted exists

        return call

    @checkCatalogArguments
    @rucioErrors
    def addFile(self, lfns):
        """Register files with their first replica, in their datablock (created with its containers)."""
        entries, failed = {}, {}
        for lfn, info in lfns.items():
            try:
                entries[lfn] = parseFileInfo(lfn, info, self.userScopes)
            except ValueError as exc:  # LFNError is a ValueError
                failed[lfn] = str(exc)
        known = self._knownFiles({lfn: {"scope": e.scope, "name": lfn} for lfn, e in entries.items()})
        plan = planRegistration(entries, known)
        failed.update(plan.failed)
        blockFailed: dict[str, str] = {}
        sizes = self._ensureCollections(plan.datablocks(), blockFailed)
        for lfn, entry in entries.items():
            if lfn not in failed and entry.datablock in blockFailed:
                failed[lfn] = f"datablock {entry.datablock}: {blockFailed[entry.datablock]}"
        refuseOverfull(plan, sizes)
        failed.update(plan.failed)
        usable = {lfn: e for lfn, e in entries.items() if lfn not in failed}
        done = set()
        newItems = [(e.datablock, e.se, e) for key in sorted(plan.new) for e in plan.new[key] if e.lfn in usable]
        for chunk in chunked(newItems):
            done.update(i[2].lfn for i in self._bulk(self._attachNew, chunk, lambda i: i[2].lfn, failed))
        newReplicas = {se: [e.rucioFile() for e in items if e.lfn in usable] for se, items in plan.newReplicas.items()}
        self._perSE(self.client.add_replicas, newReplicas, failed)
        existing = [e for items in plan.attach.values() for e in items if e.lfn in usable and e.lfn not in failed]
        for chunk in chunked(existing):
            done.update(e.lfn for e in self._bulk(self._attachExisting, chunk, lambda e: e.lfn, failed))
        return S_OK({"Successful": {lfn: True for lfn in sorted(done) if lfn not in failed}, "Failed": failed})

    def _attachNew(self, items):
        """Files, their replica and their datablock membership in one transaction (one per call)."""
        groups: dict[tuple[str, str], list] = {}
        for block, se, entry in items:
            groups.setdefault((block, se), []).append(entry.rucioFile())
        attachments = [{"scope": files[0]["scope"], "name": block, "rse": se, "dids": files}
                       for (block, se), files in groups.items()]  # fmt: skip
        self.client.attach_dids_to_dids(attachments, ignore_duplicate=True)

    def _attachExisting(self, entries):
        groups: dict[str, list] = {}
        for e in entries:
            groups.setdefault(e.datablock, []).append({"scope": e.scope, "name": e.lfn})
        attachments = [{"scope": d[0]["scope"], "name": block, "dids": d} for block, d in groups.items()]
        self.client.attach_dids_to_dids(attachments, ignore_duplicate=True)

    def _knownFiles(self, dids: dict) -> dict[str, dict]:
        """name -> ``bytes``, ``adler32``, ``rses`` (replica RSEs in any state) of the files Rucio has."""
        out = {}
        for chunk in chunked(dids.values()):
            for rep in self.client.list_replicas(chunk, all_states=True, ignore_availability=True):
                out[rep["name"]] = {"bytes": rep["bytes"], "adler32": rep["adler32"], "rses": set(rep["states"])}
        return out

    @checkCatalogArguments
    @rucioErrors
    def addReplica(self, lfns):
        """Add replicas of registered files (``{lfn: {"SE": se, ...}}``); a checksum, if given, must agree."""
        dids, failed = self._dids(lfns)
        known = self._knownFiles(dids)
        bySE: dict[str, list] = {}
        for lfn, did in dids.items():
            info, have = lfns[lfn] if isinstance(lfns[lfn], dict) else {}, known.get(lfn)
            given = normalizeAdler32(info.get("Checksum")) if info.get("Checksum") else None
            if have is None:
                failed[lfn] = NO_SUCH_FILE
            elif not info.get("SE"):
                failed[lfn] = "no SE given"
            elif given and given != normalizeAdler32(have["adler32"]):
                failed[lfn] = f"checksum mismatch: catalog has adler32 {have['adler32']}, replica has {given}"
            else:
                bySE.setdefault(info["SE"], []).append({**did, "bytes": have["bytes"], "adler32": have["adler32"]})
        fresh = {se: [f for f in files if se not in known[f["name"]]["rses"]] for se, files in bySE.items()}
        done = [f["name"] for se, files in bySE.items() for f in files if f not in fresh[se]]
        done += self._perSE(self.client.add_replicas, fresh, failed)
        return S_OK({"Successful": dict.fromkeys(done, True), "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def removeReplica(self, lfns):
        """Forget the replica at the SE given per LFN (``{lfn: {"SE": se}}``), and only that one.

        DIRAC calls this after removing the bytes. Rucio deletes the file itself with its last replica
        (and takes it out of its datablock). A replica that a replication rule keeps at that SE is put
        back by Rucio's judge: drop the rule (``B2RucioDataManagement.removeRule``) to let such data go.
        """
        dids, failed = self._dids(lfns)
        done = []
        known = self._knownFiles(dids)
        bySE: dict[str, list] = {}
        for lfn, did in dids.items():
            se = lfns[lfn].get("SE") if isinstance(lfns[lfn], dict) else None
            if not se:
                failed[lfn] = "no SE given"
            elif lfn in known and se in known[lfn]["rses"]:
                bySE.setdefault(se, []).append(did)
            else:
                done.append(lfn)  # nothing to forget: DIRAC's catalogs answer success
        done += self._perSE(self.client.delete_replicas, bySE, failed)
        return S_OK({"Successful": dict.fromkeys(done, True), "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def removeFile(self, lfns):
        """Forget files: their replicas are deleted from the catalog, which removes the file from its
        datablock and the file itself (Rucio never reuses a name, so the LFN stays taken)."""
        dids, failed = self._dids(lfns)
        done = []
        metas = self._didMeta(dids)
        files = {}
        for lfn, did in dids.items():
            kind = metas.get(lfn, {}).get("did_type")
            if kind is None:
                done.append(lfn)  # DIRAC's catalogs treat removing an absent file as done
            elif kind != "FILE":
                failed[lfn] = "Not a file"
            else:
                files[lfn] = did
        known = self._knownFiles(files)
        bySE: dict[str, list] = {}
        for lfn, did in files.items():
            for se in known.get(lfn, {}).get("rses", ()):
                bySE.setdefault(se, []).append(did)
        self._perSE(self.client.delete_replicas, bySE, failed)
        done += [lfn for lfn in files if lfn not in failed]
        return S_OK({"Successful": dict.fromkeys(done, True), "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def createDirectory(self, lfns):
        """A ``subNN`` path becomes a dataset (a datablock), anything else a container, with its parents."""
        dids, failed = self._dids(lfns)
        blocks = {lfn for lfn in dids if lfn_naming.datablockOf(lfn + "/f")}
        self._ensureCollections(blocks, failed, containers=[lfn for lfn in dids if lfn not in blocks])
        return S_OK({"Successful": {lfn: True for lfn in dids if lfn not in failed}, "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def removeDirectory(self, lfns, recursive=False):
        """Empty datablocks/containers only (grid data goes by rules, not by deleting directories): the
        collection gets a lifetime of one second and Rucio's undertaker removes it."""
        dids, failed = self._dids(lfns)
        metas = self._didMeta(dids)
        done = []
        for lfn, did in dids.items():
            kind = metas.get(lfn, {}).get("did_type")
            if kind is None:
                done.append(lfn)
            elif kind == "FILE":
                failed[lfn] = "Not a directory"
            elif next(iter(self.client.list_content(did["scope"], did["name"])), None):
                failed[lfn] = "Directory not empty"
            else:
                self.client.set_metadata(did["scope"], did["name"], "lifetime", 1)
                done.append(lfn)
        return S_OK({"Successful": dict.fromkeys(done, True), "Failed": failed})

    @checkCatalogArguments
    @rucioErrors
    def setMetadata(self, paths, metadata=None):
        """Typed Belle II metadata (:mod:`.b2metadata`) on files or directories, in one bulk call.

        Accepts DIRAC's ``setMetadata(path, {key: value})`` and the bulk ``{path: {key: value}}`` form.
        """
        items = {p: (metadata if metadata is not None else m) for p, m in paths.items()}
        dids, failed = self._dids(items)
        payload = []
        for lfn, did in dids.items():
            try:
                payload.append({**did, "meta": b2metadata.validateMetadata(items[lfn])})
            except b2metadata.MetadataError as exc:
                failed[lfn] = str(exc)
        metas = self._didMeta({d["name"]: d for d in payload})
        failed.update({d["name"]: NO_SUCH_FILE for d in payload if d["name"] not in metas})
        payload = [d for d in payload if d["name"] in metas]
        done = []
        for chunk in chunked(payload):
            call = lambda ds: self.client.set_dids_metadata_bulk(ds, recursive=False)  # noqa: E731
            done += [d["name"] for d in self._bulk(call, chunk, lambda d: d["name"], failed)]
        return S_OK({"Successful": dict.fromkeys(done, True), "Failed": failed})
