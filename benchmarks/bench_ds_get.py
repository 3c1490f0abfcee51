"""``gb2_ds_put`` and ``gb2_ds_get`` of 1000 small files, against a plain parallel copy of the same files, and
the resume of a finished download.

The dataset is uploaded with ``gb2_ds_put`` (as b2analyst, to the first site's SE); its wall time is a figure
of its own. The download baseline is the cheapest download imaginable on this stack: the same number of
threads copying the files straight out of the SE's directory with ``shutil.copy`` (no catalog, no checksum).
``gb2_ds_get`` pays for the catalog, DIRAC's StorageElement, adler32 verification and the rename; the ratio
says how much. The resume runs ``gb2_ds_get`` again on the finished download: it must find everything in
place without fetching anything. Everything the benchmark created is removed at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from b2stack import layout
from tests.integration.conftest import Client

SE = layout.SITES[0].se
THREADS = 8
SIZE = 10_000


def upload(client: Client, n: int, work: Path, prefix: str, size: int = SIZE) -> tuple[str, list[str], float]:
    """``(dataset name, LFNs, seconds)``: ``n`` random files of ``size`` bytes put with ``gb2_ds_put``."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    src = work / "src"
    src.mkdir()
    for i in range(n):
        (src / f"b_{i:05d}_job{5000 + i}_00.root").write_bytes(os.urandom(size))
    start = time.monotonic()
    proc = client.run("gb2_ds_put", "-i", str(src), "-d", SE, "-f", name, cwd=work, timeout=3600)
    seconds = time.monotonic() - start
    lfns = sorted(line for line in proc.stdout.split() if line.startswith(f"/belle/user/{client.user}/{name}/"))
    if proc.returncode or len(lfns) != n:
        remove(client, f"/belle/user/{client.user}/{name}")
        raise SystemExit(f"gb2_ds_put registered {len(lfns)} of {n} files:\n{proc.stdout[-2000:]}\n{proc.stderr}")
    return name, lfns, seconds


def remove(client: Client, dataset: str) -> None:
    """Remove every file below ``dataset`` (catalog entry and bytes) as the client's user, then the empty
    directories ``removeFile`` leaves on the SEs."""
    left = client.python(
        f"""
        from BelleDIRAC.gbasf2.lib.ds import catalog
        from BelleDIRAC.gbasf2.lib.ds.expand import expand
        from DIRAC.DataManagementSystem.Client.DataManager import DataManager
        from DIRAC.Resources.Storage.StorageElement import StorageElement
        fc = catalog.fileCatalog()
        lfns = sorted(expand({dataset!r}, catalog.lister(fc)))
        if lfns:
            DataManager().removeFile(lfns)
        result = sorted(expand({dataset!r}, catalog.lister(fc)))
        if not result:
            for se in {[site.se for site in layout.SITES]!r}:
                StorageElement(se).removeDirectory({dataset!r}, recursive=True)
        """,
        timeout=1800,
    )
    if left:
        raise SystemExit(f"{len(left)} files of {dataset} could not be removed, e.g. {left[0]}")


def _plain_copy(lfns: list[str], dest: Path) -> float:
    dest.mkdir()
    storage = layout.path("storage", SE)
    start = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda lfn: shutil.copy(storage / lfn.lstrip("/"), dest), lfns))
    return time.monotonic() - start


def ds_get(n: int = 1000, size: int = SIZE) -> dict[str, float]:
    """Figures for ``n`` files of ``size`` bytes; keys name the size unless it is the default 10 kB (with
    small files the fixed start-up of a command dominates, with MB-sized ones the bytes do)."""
    client = Client("b2analyst", "belle_user")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        name, lfns, t_put = upload(client, n, work, "bench-get", size)
        try:
            get = work / "get"
            get.mkdir()
            start = time.monotonic()
            client.run("gb2_ds_get", name, "--force", "-j", str(THREADS), cwd=get, timeout=1800, check=True)
            t_get = time.monotonic() - start
            got = list((get / name).glob("sub*/*.root"))
            if len(got) != n:
                raise SystemExit(f"gb2_ds_get downloaded {len(got)} of {n} files")
            start = time.monotonic()
            resume = client.run("gb2_ds_get", name, "--force", "-j", str(THREADS), cwd=get, timeout=600, check=True)
            t_resume = time.monotonic() - start
            if f"{n} files already downloaded and verified" not in resume.stdout:
                raise SystemExit(f"the resume did not find the download complete:\n{resume.stdout[-2000:]}")
            t_copy = _plain_copy(lfns, work / "copy")
        finally:
            remove(client, f"/belle/user/{client.user}/{name}")
    tag = f"{n}" if size == SIZE else f"{n}x{size // 1_000_000}MB"
    return {
        f"ds_put_{tag}_s": round(t_put, 2),
        f"ds_get_{tag}_s": round(t_get, 2),
        f"plain_copy_{tag}_s": round(t_copy, 2),
        f"ds_get_ratio_{tag}": round(t_get / max(t_copy, 1e-3), 2),
        f"ds_get_resume_{tag}_s": round(t_resume, 2),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(ds_get(int(os.environ.get("B2_BENCH_DS_GET", "1000")))))
