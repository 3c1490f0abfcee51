"""Progress lines for people watching ``make up``: short, timestamped, on stderr."""

import sys
import time

_T0 = time.monotonic()


def say(msg: str) -> None:
    print(f"[b2stack {time.monotonic() - _T0:6.1f}s] {msg}", file=sys.stderr, flush=True)
