"""Belle II data management on Rucio, for the components that move or look up data.

The production system, the gb2 tools and the RMS failover handler ask for *where data must be* (a rule to a
final destination), follow that rule, list what a datablock holds and where, and find datasets by metadata.
They go through this client instead of the Rucio client so that LFN naming (:mod:`.lfn_naming`), metadata
types (:mod:`.b2metadata`), bulk limits and error handling are the catalog plugin's own (it reuses the
plugin's connection and helpers), and every answer is DIRAC's ``S_OK``/``S_ERROR`` with per-item
``Successful``/``Failed``.

Rules are idempotent: asking again for a rule the account already has (same DID, destination, copies)
returns the existing rule, so a retried request or a restarted agent never duplicates one.
"""

from __future__ import annotations

from DIRAC import S_ERROR, S_OK, gConfig

from BelleDIRAC.DataManagementSystem.Client import rucio_rules
from BelleDIRAC.Resources.Catalog import b2metadata, lfn_naming
from BelleDIRAC.Resources.Catalog.rucio_catalog_write import rucioErrors
from BelleDIRAC.Resources.Catalog.rucio_plan import chunked
from BelleDIRAC.Resources.Catalog.RucioFileCatalogClient import RucioFileCatalogClient

CATALOG_SECTION = "/Resources/FileCatalogs/RucioFileCatalog"


def _catalog() -> RucioFileCatalogClient:
    options = gConfig.getOptionsDict(CATALOG_SECTION)
    return RucioFileCatalogClient(**(options["Value"] if options["OK"] else {}))


class B2RucioDataManagement:
    """Rules, datasets and LFN assignment on the Rucio server the catalog uses."""

    def __init__(self, catalog: RucioFileCatalogClient | None = None):
        self.catalog = catalog or _catalog()

    @property
    def client(self):
        return self.catalog.client

    # ---- rules ----

    @rucioErrors
    def addRules(self, lfns, destination, copies=1, lifetime=None, account=None, activity=None, comment=None):
        """One rule per LFN (a file, a ``subNN`` datablock or a container) to ``destination`` (an SE name or
        a list of SE names, any ``copies`` of which will do). ``{"Successful": {lfn: ruleID}, "Failed": ...}``."""
        try:
            expression = rucio_rules.rseExpression(destination)
        except rucio_rules.DestinationError as exc:
            return S_ERROR(str(exc))
        dids, failed = self.catalog._dids([lfns] if isinstance(lfns, str) else list(lfns))
        account = account or self.client.account
        options = {"lifetime": lifetime, "account": account, "activity": activity or "User Subscriptions",
                   "comment": comment}  # fmt: skip
        ruleIDs: dict[str, str] = {}

        def call(items):
            try:
                created = self.client.add_replication_rule(items, copies, expression, **options)
            except Exception as exc:
                if type(exc).__name__ != "DuplicateRule":
                    raise
                ruleIDs.update(self._existingRules(items, expression, account, copies))
                rest = [d for d in items if d["name"] not in ruleIDs]
                created = self.client.add_replication_rule(rest, copies, expression, **options) if rest else []
                items = rest
            ruleIDs.update(zip((d["name"] for d in items), created, strict=True))

        for chunk in chunked(list(dids.values())):
            self.catalog._bulk(call, chunk, lambda d: d["name"], failed)
        return S_OK({"Successful": {lfn: ruleIDs[lfn] for lfn in dids if lfn in ruleIDs}, "Failed": failed})

    def _existingRules(self, dids, expression, account, copies) -> dict[str, str]:
        """name -> ID of the rules ``account`` already has to ``expression`` for these DIDs (one call per scope)."""
        names = {d["name"] for d in dids}
        found = {}
        for scope in sorted({d["scope"] for d in dids}):
            filters = {"scope": scope, "account": account, "rse_expression": expression}
            for rule in self.client.list_replication_rules(filters=filters):
                if rule["name"] in names and rule.get("copies", 1) == copies:
                    found[rule["name"]] = rule["id"]
        return found

    @staticmethod
    def _each(items, call, missing: str, reason: str, failed=None):
        """``call(arg)`` for each ``(key, arg)``: Rucio's ``missing`` exception puts ``key`` in Failed."""
        successful, failed = {}, dict(failed or {})
        for key, arg in items:
            try:
                successful[key] = call(arg)
            except Exception as exc:
                if type(exc).__name__ != missing:
                    raise
                failed[key] = reason
        return S_OK({"Successful": successful, "Failed": failed})

    @rucioErrors
    def getRules(self, ruleIDs):
        """``{"Successful": {ruleID: summary}, "Failed": {ruleID: reason}}`` (see :func:`.ruleSummary`)."""
        ids = [ruleIDs] if isinstance(ruleIDs, str) else list(ruleIDs)
        return self._each(
            ((i, i) for i in ids),
            lambda i: rucio_rules.ruleSummary(self.client.get_replication_rule(i)),
            "RuleNotFound",
            "no such rule",
        )

    @rucioErrors
    def listRules(self, lfns):
        """``{"Successful": {lfn: [summary, ...]}, "Failed": ...}``: every rule on each LFN (any account)."""
        dids, failed = self.catalog._dids([lfns] if isinstance(lfns, str) else list(lfns))
        return self._each(
            dids.items(),
            lambda did: [rucio_rules.ruleSummary(r) for r in self.client.list_did_rules(did["scope"], did["name"])],
            "DataIdentifierNotFound",
            "No such file or directory",
            failed,
        )

    @rucioErrors
    def removeRules(self, ruleIDs):
        """Drop rules; Rucio's reaper then frees replicas no other rule keeps. A gone rule counts as removed."""
        successful, failed = {}, {}
        for ruleID in [ruleIDs] if isinstance(ruleIDs, str) else ruleIDs:
            try:
                self.client.delete_replication_rule(ruleID)
            except Exception as exc:
                if type(exc).__name__ not in ("RuleNotFound",):
                    failed[ruleID] = f"{type(exc).__name__}: {exc}"
                    continue
            successful[ruleID] = True
        return S_OK({"Successful": successful, "Failed": failed})

    # ---- datasets ----

    @rucioErrors
    def getDatasetFiles(self, datasets):
        """``{"Successful": {dataset: {lfn: {"Size", "Checksum", "Replicas": {se: pfn}}}}, "Failed": ...}``:
        one Rucio call per datablock (at most 1000 files each)."""
        dids, failed = self.catalog._dids([datasets] if isinstance(datasets, str) else list(datasets))
        metas = self.catalog._didMeta(dids)
        successful = {}
        for lfn, did in dids.items():
            kind = metas.get(lfn, {}).get("did_type")
            if kind != "DATASET":
                failed[lfn] = "No such file or directory" if kind is None else f"not a dataset but a {kind.lower()}"
                continue
            successful[lfn] = rucio_rules.datasetFiles(self.client.list_replicas([did], all_states=True))
        return S_OK({"Successful": successful, "Failed": failed})

    @rucioErrors
    def findDatasets(self, metaQuery, path=lfn_naming.VO_ROOT):
        """Datablocks (datasets) below ``path`` that match the metadata query themselves or through a
        container above them, sorted. The query keys and operators are those of ``findFilesByMetadata``."""
        try:
            matches = self.catalog._matchingDIDs(metaQuery, path)
        except b2metadata.MetadataError as exc:
            return S_ERROR(str(exc))
        found = set()
        for scope, meta in matches:
            if meta["did_type"] == "DATASET":
                found.add(meta["name"])
            elif meta["did_type"] == "CONTAINER":
                found.update(self._datasetsUnder(scope, meta["name"]))
        return S_OK(sorted(found))

    def _datasetsUnder(self, scope: str, container: str) -> set[str]:
        out, todo = set(), [(scope, container)]
        while todo:
            for child in self.client.list_content(*todo.pop()):
                if child["type"] == "DATASET":
                    out.add(child["name"])
                elif child["type"] == "CONTAINER":
                    todo.append((child["scope"], child["name"]))
        return out

    @rucioErrors
    def assignLFNs(self, dataset: str, fileNames):
        """``{fileName: lfn}``: where new files of ``dataset`` (the directory above its ``subNN``) go, filling
        the last datablock up to 1000 files and opening the next one after it (:func:`.assignDatablocks`)."""
        names = list(fileNames)
        try:
            if len(set(names)) != len(names):
                raise lfn_naming.LFNError("the same file name is given twice")
            dataset = lfn_naming.validateLFN(dataset.rstrip("/"))
            for name in names:
                if not name or "/" in name or name in (".", ".."):
                    raise lfn_naming.LFNError(f"{name!r} is not a plain file name")
                lfn_naming.validateLFN(f"{dataset}/sub00/{name}")
        except lfn_naming.LFNError as exc:
            return S_ERROR(str(exc))
        counts = self._datablockCounts(dataset)
        blocks = lfn_naming.assignDatablocks(dataset, counts, len(names))
        return S_OK({name: f"{block}/{name}" for name, block in zip(names, blocks, strict=True)})

    def _datablockCounts(self, dataset: str) -> dict[str, int]:
        """Files per existing ``subNN`` datablock of ``dataset``; Rucio keeps an open dataset's length up to
        date only on request, so each is counted (one call per datablock)."""
        dids, failed = self.catalog._dids([dataset])
        if failed or dataset not in self.catalog._didMeta(dids):
            return {}
        did = dids[dataset]
        blocks = [c for c in self.client.list_content(did["scope"], did["name"]) if c["type"] == "DATASET"]
        return {
            c["name"]: self.client.get_did(c["scope"], c["name"], dynamic_depth="FILE")["length"] or 0
            for c in blocks
            if lfn_naming.datablockOf(c["name"] + "/x") == c["name"]
        }

    @rucioErrors
    def setUsage(self, usage: dict[str, tuple[int, int]]):
        """Report each SE's ``(used, total)`` bytes as its RSE's ``storage`` usage (what the storage says,
        as opposed to what Rucio counted), which destination choices and the production guards read."""
        for se, (used, total) in sorted(usage.items()):
            self.client.set_rse_usage(se, "storage", int(used), int(total) - int(used))
        return S_OK(len(usage))

    def getUsage(self, ses) -> dict[str, tuple[int, int]]:
        """(used, total) bytes of each SE's RSE as the storage reports it to Rucio; SEs without a reported
        size are left out (their fill is unknown, not zero)."""
        out = {}
        for se in ses:
            for row in self.client.get_rse_usage(se, filters={"source": "storage"}):
                total = row.get("total") or (row.get("used") or 0) + (row.get("free") or 0)
                if total:
                    out[se] = (int(row.get("used") or 0), int(total))
        return out
