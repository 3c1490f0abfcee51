"""Run every benchmark and print one JSON line per figure (also kept in benchmarks/results/)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from benchmarks import bench_catalog, bench_ds_get, bench_gbasf2, bench_production, bench_scouting, bench_stack


def main() -> None:
    figures = {}
    figures.update(bench_stack.start_times())
    submit, waiting = bench_stack.parametric_to_waiting(1000)
    figures.update(parametric_1000_submit_s=round(submit, 1), parametric_1000_all_waiting_s=round(waiting, 1))
    figures.update(bench_stack.jobmanager_ours_vs_vanilla(1000))
    figures.update(bench_scouting.chain_overhead(1000))
    figures.update(bench_scouting.agent_cycle(10_000))
    figures.update(bench_catalog.addfile_getreplicas(10_000))
    figures.update(bench_ds_get.ds_get(1000))
    figures.update(bench_ds_get.ds_get(1000, size=1_000_000))
    figures.update(bench_gbasf2.submit(1000))
    figures.update(bench_production.submission(int(os.environ.get("B2_BENCH_PROD_TASKS", "10000"))))
    figures.update(bench_production.monitoring_cycle(int(os.environ.get("B2_BENCH_PROD_INFLIGHT", "30000"))))
    figures.update(bench_scouting.storm(int(os.environ.get("B2_BENCH_STORM", "100000"))))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(figures, indent=2))
    for key, value in figures.items():
        print(json.dumps({key: value}))


if __name__ == "__main__":
    main()
