"""Run every benchmark and print one JSON line per figure (also kept in benchmarks/results/)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchmarks import bench_stack


def main() -> None:
    figures = {}
    figures.update(bench_stack.start_times())
    figures.update(bench_stack.parametric_to_waiting(1000))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(figures, indent=2))
    for key, value in figures.items():
        print(json.dumps({key: value}))


if __name__ == "__main__":
    main()
