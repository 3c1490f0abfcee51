"""What a job's DIRAC state means to a gb2 user. Pure: dicts of job attributes in, counts and words out.

Scripts and b2luigi read these meanings, so they are fixed here in one place:

* A job **failed** when its Status is ``Failed``, or ``Done`` while its ApplicationStatus is not ``Done``
  (the payload ended but basf2 did not report success). It is **done** only as ``Done``/``Done``.
* ``gb2_job_status`` counts jobs into exactly eight buckets, :data:`SUMMARY_KEYS`; every DIRAC status falls
  into one of them (a status DIRAC adds later counts as ``Waiting`` rather than vanishing).
* A job may be **rescheduled** when it is in a fatal state (Failed, Killed, Stalled) or failed as above:
  rescheduling reruns the same sandbox, so it only makes sense for jobs that will not finish by themselves.
"""

from __future__ import annotations

import datetime

DONE, FAILED, KILLED, STALLED, DELETED = "Done", "Failed", "Killed", "Stalled", "Deleted"
SUMMARY_KEYS = ("Completed", "Deleted", "Done", "Failed", "Killed", "Running", "Stalled", "Waiting")
_BUCKET = {
    "Running": "Running",
    "Completing": "Completed",
    "Completed": "Completed",
    KILLED: "Killed",
    STALLED: "Stalled",
    DELETED: "Deleted",
    FAILED: "Failed",
}
RESCHEDULABLE = (FAILED, KILLED, STALLED)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def isDone(job: dict) -> bool:
    return job.get("Status") == DONE and job.get("ApplicationStatus") == DONE


def isFailed(job: dict) -> bool:
    status = job.get("Status")
    return status == FAILED or (status == DONE and job.get("ApplicationStatus") != DONE)


def bucket(job: dict) -> str:
    """The summary key a job is counted under."""
    if job.get("Status") == DONE:
        return DONE if isDone(job) else FAILED
    return _BUCKET.get(job.get("Status"), "Waiting")


def countStatuses(jobs) -> dict[str, int]:
    """``{key: n}`` with all eight :data:`SUMMARY_KEYS`, for an iterable of job-attribute dicts."""
    counts = dict.fromkeys(SUMMARY_KEYS, 0)
    for job in jobs:
        counts[bucket(job)] += 1
    return counts


def summaryLine(counts: dict[str, int]) -> str:
    """``Completed:0  Deleted:0  ...`` in the fixed key order that scripts split on."""
    return "  ".join(f"{key}:{counts.get(key, 0)}" for key in SUMMARY_KEYS)


def reschedulable(job: dict) -> bool:
    return job.get("Status") in RESCHEDULABLE or isFailed(job)


def whyNotReschedulable(job: dict) -> str:
    """A sentence for the user about a job that is left alone."""
    status = job.get("Status")
    if status == DONE:
        return "finished successfully (Done)"
    return f"is {status}, not Failed/Killed/Stalled: only jobs in a fatal state are rescheduled"


def formatTime(value) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` for a datetime or DIRAC's string forms (``T`` separator, fractions)."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, datetime.datetime):
        return value.strftime(TIME_FORMAT)
    text = str(value).replace("T", " ")
    return text.split(".")[0][:19]


def parseTime(value) -> datetime.datetime | None:
    text = formatTime(value)
    if not text:
        return None
    for fmt in (TIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS')")
