"""Decisions of the Rucio catalog plugin, apart from the calls that carry them out (all pure).

The plugin (:mod:`.RucioFileCatalogClient`) asks Rucio what exists, hands it to these functions, and
sends what they decide in bulk calls. Keeping the decisions here is what lets them be tested without a
server, and keeps the plugin's rule simple: every LFN ends in ``Successful`` or in ``Failed`` with a
reason, never silently dropped.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from BelleDIRAC.Resources.Catalog import lfn_naming

BULK = 1000  # Rucio's server-side cap on items per bulk call
NO_SUCH_FILE = "No such file or directory"
_ADLER32 = re.compile(r"^[0-9a-fA-F]{1,8}$")


def chunked(items, size: int = BULK) -> list[list]:
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


def didsOf(lfns, userScopes=frozenset()) -> tuple[dict[str, dict], dict[str, str]]:
    """``({lfn: {"scope", "name"}}, {lfn: reason})``: each LFN's DID, or why it is refused."""
    dids, failed = {}, {}
    for lfn in lfns:
        try:
            scope, name = lfn_naming.lfnToDID(lfn, userScopes)
        except lfn_naming.LFNError as exc:
            failed[lfn] = str(exc)
            continue
        dids[lfn] = {"scope": scope, "name": name}
    return dids, failed


def containerChain(datablock: str, userScopes=frozenset()) -> list[dict]:
    """The containers above ``datablock`` that share its scope, top first.

    Rucio attaches a DID only inside its owner's scope, so the chain stops where the scope changes
    (``/belle/user`` belongs to the service account, ``/belle/user/alice/...`` to alice).
    """
    scope = lfn_naming.scopeOf(datablock, userScopes)
    chain = []
    for name in reversed(lfn_naming.containersAbove(datablock)):
        try:
            if lfn_naming.lfnToDID(name, userScopes)[0] != scope:
                break
        except lfn_naming.LFNError:
            break
        chain.append({"scope": scope, "name": name})
    return list(reversed(chain))


def normalizeAdler32(value) -> str | None:
    """Rucio's form of an adler32 (8 lower-case hex digits), or None if ``value`` is not one."""
    text = str(value or "").strip().lower()
    return text.zfill(8) if _ADLER32.match(text) else None


@dataclass
class FileEntry:
    lfn: str
    scope: str
    se: str
    size: int
    adler32: str
    guid: str | None
    datablock: str

    def rucioFile(self) -> dict:
        out = {"scope": self.scope, "name": self.lfn, "bytes": self.size, "adler32": self.adler32}
        if self.guid:
            out["meta"] = {"guid": self.guid}
        return out


def parseFileInfo(lfn: str, info, userScopes=frozenset()) -> FileEntry:
    """One ``addFile`` entry as a :class:`FileEntry`; ``ValueError`` says what is wrong with it."""
    scope, name = lfn_naming.lfnToDID(lfn, userScopes)
    if not isinstance(info, dict):
        raise ValueError("addFile needs {'SE', 'Size', 'Checksum'[, 'GUID']} per LFN")
    datablock = lfn_naming.datablockOf(name)
    if not datablock:
        raise ValueError(f"{name} is not in a datablock directory (…/subNN/<file>): Belle II files live in datablocks")
    se = info.get("SE")
    if not isinstance(se, str) or not se:
        raise ValueError("no SE given")
    size = info.get("Size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"Size must be a non-negative integer, not {size!r}")
    adler32 = normalizeAdler32(info.get("Checksum"))
    if not adler32:
        raise ValueError(f"Checksum must be an adler32 (up to 8 hex digits), not {info.get('Checksum')!r}")
    guid = info.get("GUID") or None
    if guid:
        try:
            guid = str(uuid.UUID(str(guid))).replace("-", "")
        except ValueError:
            raise ValueError(f"GUID {info.get('GUID')!r} is not a UUID") from None
    return FileEntry(name, scope, se, size, adler32, guid, datablock)


@dataclass
class RegistrationPlan:
    """What ``addFile`` sends: new files per (datablock, SE), replicas of known files, attachments."""

    failed: dict[str, str] = field(default_factory=dict)
    new: dict[tuple[str, str], list[FileEntry]] = field(default_factory=dict)
    newReplicas: dict[str, list[FileEntry]] = field(default_factory=dict)
    attach: dict[str, list[FileEntry]] = field(default_factory=dict)
    entries: dict[str, FileEntry] = field(default_factory=dict)

    def datablocks(self) -> set[str]:
        return {block for block, _se in self.new} | set(self.attach)


def planRegistration(entries: dict[str, FileEntry], known: dict[str, dict]) -> RegistrationPlan:
    """Sort parsed files by what Rucio already knows of them (``known``: name -> ``bytes``, ``adler32``,
    ``rses``): new files are created with their replica and attachment in one call per datablock and SE;
    a known file with the same size and checksum only gets what is missing (so a retry is harmless); a
    known file with other bytes is refused."""
    plan = RegistrationPlan(entries=dict(entries))
    for lfn, entry in entries.items():
        have = known.get(lfn)
        if have is None:
            plan.new.setdefault((entry.datablock, entry.se), []).append(entry)
            continue
        if have.get("bytes") != entry.size or normalizeAdler32(have.get("adler32")) != entry.adler32:
            plan.failed[lfn] = (
                f"already registered with other content (size {have.get('bytes')}, adler32 {have.get('adler32')};"
                f" given {entry.size}, {entry.adler32})"
            )
            continue
        if entry.se not in have.get("rses", ()):
            plan.newReplicas.setdefault(entry.se, []).append(entry)
        plan.attach.setdefault(entry.datablock, []).append(entry)
    return plan


def refuseOverfull(plan: RegistrationPlan, sizes: dict[str, int], limit: int = lfn_naming.MAX_DATABLOCK_FILES):
    """Fail the new files that would take a datablock past ``limit`` files (``sizes``: current counts).

    The catalog cannot move a file to the next datablock (its LFN and its bytes say ``subNN``); the
    uploader picks the datablock (``lfn_naming.assignDatablocks``), the catalog only guarantees the cap.
    """
    room = {block: limit - sizes.get(block, 0) for block in plan.datablocks()}
    for key in sorted(plan.new):
        block = key[0]
        kept = []
        for entry in plan.new[key]:
            if room[block] > 0:
                room[block] -= 1
                kept.append(entry)
            else:
                nxt = lfn_naming.datablockName(block.rsplit("/", 1)[0], lfn_naming.datablockIndex(block) + 1)
                plan.failed[entry.lfn] = f"datablock {block} is full ({limit} files): register it under {nxt}"
        plan.new[key] = kept


def replicasResult(lfns, dids: dict, reps, allStatus: bool = False) -> dict[str, dict]:
    """``{"Successful": {lfn: {se: pfn}}, "Failed": {lfn: reason}}`` from Rucio's ``list_replicas``.

    Only AVAILABLE replicas unless ``allStatus``; a known file without replicas is Successful with ``{}``
    (as DIRAC's catalog answers); an unknown LFN is Failed, never left out.
    """
    successful, failed = {}, {}
    for rep in reps:
        out = {}
        for rse, pfns in (rep.get("rses") or {}).items():
            state = (rep.get("states") or {}).get(rse, "AVAILABLE")
            if pfns and (allStatus or state == "AVAILABLE"):
                out[rse] = pfns[0]
        successful[rep["name"]] = out
    for lfn in lfns:
        if lfn in dids and lfn not in successful:
            failed[lfn] = NO_SUCH_FILE
    return {"Successful": {lfn: successful[lfn] for lfn in lfns if lfn in successful}, "Failed": failed}


def fileMetadata(meta: dict) -> dict:
    """DIRAC's file-metadata dictionary from a Rucio ``DID_COLUMN`` metadata row."""
    isFile = meta.get("did_type") == "FILE"
    guid = meta.get("guid")
    return {
        "Size": (meta.get("bytes") or 0) if isFile else 0,
        "Checksum": str(meta.get("adler32") or "") if isFile else "",
        "ChecksumType": "AD" if isFile else "",
        "GUID": str(uuid.UUID(guid)).upper() if isFile and guid else "",
        "CreationDate": meta.get("created_at"),
        "ModificationDate": meta.get("updated_at"),
        "Mode": 0o664 if isFile else 0o775,
        "Status": "AprioriGood" if meta.get("availability", "AVAILABLE") == "AVAILABLE" else "-",
        "Owner": meta.get("account"),
        "Type": "File" if isFile else "Directory",
        "NumberOfLinks": 1,
    }


def directorySize(files, replicas) -> dict:
    """DIRAC's ``getDirectorySize`` answer from a dataset's files and their replicas."""
    out = {"Files": 0, "TotalSize": 0, "SubDirs": {}, "ClosedDirs": [], "SiteUsage": {}}
    for f in files:
        out["Files"] += 1
        out["TotalSize"] += f.get("bytes") or 0
    for rep in replicas:
        for rse, state in (rep.get("states") or {}).items():
            if state == "AVAILABLE":
                usage = out["SiteUsage"].setdefault(rse, {"Files": 0, "Size": 0})
                usage["Files"] += 1
                usage["Size"] += rep.get("bytes") or 0
    return out
