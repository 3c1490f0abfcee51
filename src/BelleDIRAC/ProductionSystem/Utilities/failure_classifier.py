"""Why a production job failed, and whether and where its task may run again.

A production has thousands of tasks; retrying all failures blindly wastes the grid on steering errors
and keeps sending tasks back to a broken site, while giving up on all of them loses data to transient
problems. A failure is put in one category from what DIRAC recorded about the job (``Status``,
``MinorStatus``, the gbasf2 payload's ``ApplicationStatus``) and the tail of its log, and the category
decides: retry after a back-off, retry elsewhere (ban the sites where it is a site problem), or stop.

:data:`RULES` is checked top to bottom, most specific first: the limits the watchdog or batch system
enforced, then what the payload reported, then generic stalled/watchdog states. ``basf2 failed`` is
only a steering problem when nothing more specific explains why basf2 stopped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

INPUT_DATA = "input data"
SOFTWARE = "software"
SITE = "site"
MEMORY = "memory"
TIME_LIMIT = "time limit"
UPLOAD = "upload"
STEERING = "steering"
UNKNOWN = "unknown"
CATEGORIES = (INPUT_DATA, SOFTWARE, SITE, MEMORY, TIME_LIMIT, UPLOAD, STEERING, UNKNOWN)

# (category, where, regex searched case-insensitively), most specific first. ``where``: "job" (Status,
# MinorStatus, ApplicationStatus), "log" (the log tail) or "any". Strings: DIRAC's JobMinorStatus, Watchdog
# and StalledJobAgent, gbasf2's payload.py, batch systems (Slurm, LSF) and the kernel's OOM killer.
RULES: list[tuple[str, str, str]] = [
    (TIME_LIMIT, "any", r"exceeded maximum wall ?clock|reached the cpu limit|exceeded maximum cpu time"),
    (TIME_LIMIT, "any", r"exceeded (the )?wall ?clock|(cpu|wall ?clock|run) ?time limit|due to time limit|term_(run|cpu)limit"),
    (MEMORY, "any", r"std::bad_alloc|memoryerror|out of memory|oom[-_ ]?kill|cannot allocate memory|memory limit"),
    (MEMORY, "any", r"exceeded (its |the )?(maximum )?memory|term_memlimit"),
    (MEMORY, "log", r"^\s*killed\s*$|line \d+: +\d+ killed"),  # SIGKILL seen by the shell: the OOM killer
    (INPUT_DATA, "any", r"input data not found|input data not available"),
    (INPUT_DATA, "job", r"input data"),  # also DIRAC's "Input Data Resolution"
    (SOFTWARE, "any", r"software not found|application not found"),
    (UPLOAD, "any", r"output upload|uploading output data|failed to upload"),
    (SITE, "job", r"pilot not running|stalled|stalling for more than|received kill signal|insufficient disk space"),
    (SITE, "any", r"maximum load average|cvmfs|input/output error"),
    (STEERING, "any", r"basf2 failed|no output file"),
    (SITE, "job", r"watchdog"),
]  # fmt: skip
_COMPILED = [(cat, where, re.compile(pattern, re.IGNORECASE | re.MULTILINE)) for cat, where, pattern in RULES]

RETRYABLE = {SITE, MEMORY, TIME_LIMIT, UPLOAD, INPUT_DATA, UNKNOWN}
# A task failing with these at a site is not sent there again (SOFTWARE is retried only elsewhere).
SITE_SPECIFIC = {SITE, SOFTWARE, INPUT_DATA, UPLOAD}


def classify(attributes: dict, logTail: str = "") -> str:
    """The category of a failed job, one of :data:`CATEGORIES`; :data:`UNKNOWN` when no rule matches."""
    job = [str(attributes.get(key) or "") for key in ("MinorStatus", "ApplicationStatus", "Status")]
    texts = {"job": job, "log": [logTail or ""], "any": [*job, logTail or ""]}
    for category, where, regex in _COMPILED:
        if any(regex.search(text) for text in texts[where]):
            return category
    return UNKNOWN


@dataclass
class RetryDecision:
    retry: bool
    notBefore: float | None
    bannedSites: list[str] = field(default_factory=list)
    reason: str = ""


def decideRetry(
    category: str,
    attempts: int,
    maxAttempts: int,
    failedSites: list[str],
    now: float,
    siteFailures: dict[str, int],
    siteBanThreshold: int = 2,
    backoffBase: float = 60.0,
    backoffMax: float = 3600.0,
) -> RetryDecision:
    """Whether a task that failed with ``category`` after ``attempts`` runs goes again, when and not where.

    ``failedSites`` are the sites where this task failed, ``siteFailures`` the production-wide count of
    site-specific failures per site. Back-off doubles per attempt: ``min(backoffMax, backoffBase *
    2**(attempts - 1))``. Refusing to ban every site is the caller's concern.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown failure category {category!r} (categories: {', '.join(CATEGORIES)})")
    if attempts >= maxAttempts:
        return RetryDecision(False, None, [], f"gave up after {attempts} attempts: {category}")
    if category not in RETRYABLE and category != SOFTWARE:  # SOFTWARE: only elsewhere (banned below)
        return RetryDecision(False, None, [], f"not retried: a {category} problem fails at every site")
    banned = set(failedSites) if category in SITE_SPECIFIC else set()
    banned |= {site for site, count in siteFailures.items() if count >= siteBanThreshold}
    delay = min(backoffMax, backoffBase * 2 ** max(attempts - 1, 0))
    where = f", not at {', '.join(sorted(banned))}" if banned else ""
    reason = f"retry {attempts + 1}/{maxAttempts} after {delay:.0f} s ({category}){where}"
    return RetryDecision(True, now + delay, sorted(banned), reason)


def statistics(rows: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """``{site: {category: count}}`` of ``(site, category)`` failure rows."""
    stats: dict[str, Counter] = {}
    for site, category in rows:
        stats.setdefault(site, Counter())[category] += 1
    return {site: dict(counts) for site, counts in stats.items()}


def formatStatistics(stats: dict[str, dict[str, int]]) -> str:
    """A text table: Site, one column per category that occurs, Total; busiest sites first."""
    present = {category for counts in stats.values() for category in counts}
    columns = [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))
    rows = sorted(stats.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    table = [["Site", *columns, "Total"]]
    table += [[site, *(str(counts.get(c, 0)) for c in columns), str(sum(counts.values()))] for site, counts in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join(_line(row, widths) for row in table)


def _line(row: list[str], widths: list[int]) -> str:
    cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
    return "  ".join(cells).rstrip()
