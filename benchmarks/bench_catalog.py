"""``addFile`` and ``getReplicas`` of 10k LFNs: BelleDIRAC's Rucio plugin against raw rucio-clients bulk
calls doing the same work, and against DIRAC's vanilla ``RucioFileCatalogClient``, on the same server.

Same work: 10k new files with replicas in 10 datablocks (datasets under one container), then their
replicas listed. Raw Rucio does it the cheapest way the API allows (one ``attach_dids_to_dids`` with the
RSE per 1000 files, one ``list_replicas`` per 1000). DIRAC's vanilla client lists the plugin's files
(as ``scope:name``: its scope rules do not fit Belle II LFNs); its ``addFile`` is not compared because its
registration helper (Rucio's ``add_files``) fails on this server with an IndexError in
``rucio/core/dirac.py`` for nested Belle II paths. All run as the same kind of process (a DIRAC client
with a proxy, as b2analyst), one after the other.
"""

from __future__ import annotations

import uuid

from b2stack import layout
from tests.integration.conftest import Client

SE = layout.SITES[0].se

FILES = """
files = {{f"{base}/sub{{i // 1000:02d}}/f{{i:05d}}.root": {{"SE": "{se}", "Size": 100 + i, "Checksum": f"{{i + 1:08x}}",
          "PFN": "", "GUID": ""}} for i in range({n})}}
"""

PLUGIN = """
import time
from BelleDIRAC.Resources.Catalog.RucioFileCatalogClient import RucioFileCatalogClient
cat = RucioFileCatalogClient()
cat.userScopes
t0 = time.monotonic(); add = cat.addFile(files); t_add = time.monotonic() - t0
t0 = time.monotonic(); reps = cat.getReplicas(list(files)); t_get = time.monotonic() - t0
ok = len(add["Value"]["Successful"]) == len(files) and len(reps["Value"]["Successful"]) == len(files)
result = dict(add=t_add, get=t_get, ok=ok)
"""

RAW = """
import time
from rucio.client import Client
c = Client()
scope = "user.{user}"
names = sorted(files)
t0 = time.monotonic()
blocks = sorted({{n.rsplit("/", 1)[0] for n in names}})
c.add_container(scope, "{base}")
c.add_datasets([{{"scope": scope, "name": b}} for b in blocks])
c.attach_dids_to_dids([{{"scope": scope, "name": "{base}", "dids": [{{"scope": scope, "name": b}} for b in blocks]}}])
for i in range(0, len(names), 1000):
    chunk = names[i:i + 1000]
    dids = [{{"scope": scope, "name": n, "bytes": files[n]["Size"], "adler32": files[n]["Checksum"]}} for n in chunk]
    c.attach_dids_to_dids([{{"scope": scope, "name": chunk[0].rsplit("/", 1)[0], "rse": "{se}", "dids": dids}}])
t_add = time.monotonic() - t0
t0 = time.monotonic()
listed = 0
for i in range(0, len(names), 1000):
    listed += len(list(c.list_replicas([{{"scope": scope, "name": n}} for n in names[i:i + 1000]], all_states=True)))
t_get = time.monotonic() - t0
result = dict(add=t_add, get=t_get, ok=listed == len(names))
"""

VANILLA = """
import time
from DIRAC.Resources.Catalog.RucioFileCatalogClient import RucioFileCatalogClient
cat = RucioFileCatalogClient()
dids = ["user.{user}:" + lfn for lfn in files]  # vanilla takes explicit scope:name where its scope rule cannot
t0 = time.monotonic(); reps = cat.getReplicas(dids); t_get = time.monotonic() - t0
result = dict(get=t_get, ok=len(reps["Value"]["Successful"]) == len(files))
"""


def addfile_getreplicas(n: int = 10_000) -> dict:
    analyst = Client("b2analyst", "belle_user")
    runs, bases = {}, {}
    for name, code in [("plugin", PLUGIN), ("raw", RAW), ("vanilla", VANILLA)]:
        base = bases["plugin"] if name == "vanilla" else f"/belle/user/b2analyst/bench-{name}-{uuid.uuid4().hex[:8]}"
        bases[name] = base
        body = FILES.format(base=base, se=SE, n=n) + code.format(base=base, se=SE, user="b2analyst")
        runs[name] = analyst.python(body, timeout=3600)
        if not runs[name].get("ok"):
            raise SystemExit(f"catalog benchmark {name} did not register/list all {n} files: {runs[name]}")
    out = {}
    for step in ("add", "get"):
        out[f"catalog_{step}_{n}_plugin_s"] = round(runs["plugin"][step], 2)
        out[f"catalog_{step}_{n}_raw_rucio_s"] = round(runs["raw"][step], 2)
        out[f"catalog_{step}_plugin_over_raw"] = round(runs["plugin"][step] / runs["raw"][step], 2)
    out[f"catalog_get_{n}_vanilla_dirac_s"] = round(runs["vanilla"]["get"], 2)
    out["catalog_get_plugin_over_vanilla"] = round(runs["plugin"]["get"] / runs["vanilla"]["get"], 2)
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(addfile_getreplicas(), indent=1))
