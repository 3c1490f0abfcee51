"""Which catalog files a production's failed jobs left behind (decided purely from names and bookkeeping).

Production jobs name outputs ``<stem>_<NNNNN>_job<JobID>_<RR><exts>``; a file carrying a failed job's ID that
the bookkeeping does not list is an output uploaded before its job failed, never to be used.
"""

from __future__ import annotations

import re

JOB_IN_NAME = re.compile(r"_job(\d+)_\d+[^/]*$")


def leftovers(files: list[str], failedJobs: set[int], booked: set[str]) -> list[str]:
    """Files written by failed jobs that no successful task claims (pure; unit-tested)."""
    out = []
    for lfn in files:
        match = JOB_IN_NAME.search(lfn)
        if match and int(match.group(1)) in failedJobs and lfn not in booked:
            out.append(lfn)
    return sorted(out)
