"""``b2copy``: a Rucio transfertool that really copies files between the stack's local RSEs.

Rucio's ``mock`` transfertool marks transfers done without moving a byte, and FTS3 (what Belle II uses)
has no server packaged for this machine. This one copies the source PFN to the destination PFN (both
``file://`` on this machine), checks the copy's adler32 against the catalog's, and records the outcome
in a spool file per submission that ``bulk_query`` (run by the poller, another process) reads back. So a
replication rule only becomes OK when the bytes are really at the destination and intact.

Rucio 41 has no plug-in point for transfertools: the daemons look them up in
``rucio.core.transfer.TRANSFERTOOL_CLASSES_BY_NAME``. ``python -m b2stack.rucio_transfertool <daemon>
[args]`` therefore registers ``b2copy`` there and then runs Rucio's own daemon script, unchanged, in the
same interpreter (``[conveyor] transfertool = b2copy`` in rucio.cfg selects it).
"""

from __future__ import annotations

import datetime
import itertools
import json
import logging
import os
import runpy
import shutil
import sys
import time
import uuid
import zlib
from pathlib import Path
from urllib.parse import urlparse

from rucio.db.sqla.constants import RequestState
from rucio.transfertool.transfertool import TransferStatusReport, Transfertool, TransferToolBuilder

from b2stack import layout

NAME = "b2copy"
SPOOL = layout.path("rucio", "transfers")


def adler32_of(path: str | Path) -> str:
    """Adler-32 of a file as Rucio writes it: 8 lower-case hex digits."""
    value = 1
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            value = zlib.adler32(block, value)
    return f"{value & 0xFFFFFFFF:08x}"


def url_path(url: str) -> str:
    """The local path of a ``file://`` PFN (``file://localhost/x`` and ``file:///x`` alike)."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        raise ValueError(f"{url}: b2copy copies file:// PFNs only")
    return parsed.path


def copy_verified(src_url: str, dst_url: str, adler32: str | None, size: int | None) -> tuple[bool, str]:
    """Copy ``src_url`` to ``dst_url`` (via a temporary name) and verify it; ``(ok, reason)``."""
    try:
        src, dst = url_path(src_url), url_path(dst_url)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        tmp = f"{dst}.b2copy-{uuid.uuid4().hex[:8]}"
        shutil.copyfile(src, tmp)
        got_size, got_adler = os.path.getsize(tmp), adler32_of(tmp)
        if size is not None and got_size != int(size):
            os.unlink(tmp)
            return False, f"size mismatch: copied {got_size} bytes, catalog says {size}"
        if adler32 and got_adler != adler32.lower().zfill(8):
            os.unlink(tmp)
            return False, f"adler32 mismatch: copy has {got_adler}, catalog says {adler32}"
        os.replace(tmp, dst)
        return True, f"copied {got_size} bytes, adler32 {got_adler} verified"
    except OSError as exc:
        return False, f"copy failed: {exc}"


class B2CopyStatusReport(TransferStatusReport):
    """What the spool file says about one request, in the fields the poller writes to the DB."""

    supported_db_fields = ["state", "external_id", "started_at", "transferred_at", "err_msg"]

    def __init__(self, request_id: str, external_id: str, outcome: dict | None):
        super().__init__(request_id)
        self.external_id = external_id
        outcome = outcome or {"ok": False, "reason": "no record of this transfer in the b2copy spool"}
        self.state = RequestState.DONE if outcome["ok"] else RequestState.FAILED
        self.started_at = _time(outcome.get("started"))
        self.transferred_at = _time(outcome.get("finished"))
        self.err_msg = None if outcome["ok"] else f"[b2copy] {outcome['reason']}"[:4000]

    def initialize(self, session, logger=logging.log) -> None:
        pass

    def get_monitor_msg_fields(self, session, logger=logging.log) -> dict:
        return {}


def _time(stamp: float | None):
    return datetime.datetime.utcfromtimestamp(stamp) if stamp else None


class B2CopyTransfertool(Transfertool):
    """Copies synchronously at submission; the poller then reports what happened."""

    external_name = NAME
    required_rse_attrs = ()
    supported_schemes = {"file"}

    def __init__(self, external_host: str = NAME, logger=logging.log, **_kwargs):
        super().__init__(external_host, logger)

    @classmethod
    def submission_builder_for_path(cls, transfer_path, logger=logging.log):
        # One hop at a time, file:// on both sides (the RSEs of this stack).
        hop = transfer_path[0]
        if hop.src.scheme not in cls.supported_schemes or hop.dst.scheme not in cls.supported_schemes:
            return [], None
        return [hop], TransferToolBuilder(cls, external_host=NAME)

    def group_into_submit_jobs(self, transfer_paths):
        return [{"transfers": list(itertools.chain.from_iterable(transfer_paths)), "job_params": {}}]

    def submit(self, transfers, job_params, timeout=None) -> str:
        eid = str(uuid.uuid4())
        outcome = {}
        for transfer in transfers:
            rws = transfer.rws
            started = time.time()
            ok, reason = copy_verified(transfer.source_url(transfer.src), transfer.dest_url, rws.adler32,
                                       rws.byte_count)  # fmt: skip
            finished = time.time()
            outcome[rws.request_id] = {"ok": ok, "reason": reason, "started": started, "finished": finished}
            self.logger(logging.INFO if ok else logging.WARNING, "b2copy %s %s: %s", rws.scope, rws.name, reason)
        SPOOL.mkdir(parents=True, exist_ok=True)
        tmp = SPOOL / f".{eid}.json"
        tmp.write_text(json.dumps(outcome))
        tmp.replace(SPOOL / f"{eid}.json")
        return eid

    def bulk_query(self, requests_by_eid, timeout=None):
        response = {}
        for eid, requests in requests_by_eid.items():
            try:
                outcome = json.loads((SPOOL / f"{eid}.json").read_text())
            except (OSError, ValueError):
                outcome = {}
            for request_id in requests:
                response.setdefault(eid, {})[request_id] = B2CopyStatusReport(request_id, eid, outcome.get(request_id))
        return response

    def cancel(self, transfer_ids, timeout=None) -> bool:
        return True  # copies are over by the time anyone could cancel them

    def update_priority(self, transfer_id, priority, timeout=None) -> bool:
        return True


def register() -> None:
    """Make ``b2copy`` known to the conveyor daemons of this interpreter."""
    from rucio.core import transfer

    transfer.TRANSFERTOOL_CLASSES_BY_NAME[NAME] = B2CopyTransfertool


def main(argv: list[str]) -> None:
    """``<daemon> [args]``: run Rucio's ``rucio-<daemon>`` script with ``b2copy`` registered."""
    if not argv:
        raise SystemExit("usage: python -m b2stack.rucio_transfertool <daemon, e.g. conveyor-submitter> [args]")
    register()
    script = Path(sys.executable).parent / f"rucio-{argv[0]}"
    sys.argv = [str(script), *argv[1:]]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
