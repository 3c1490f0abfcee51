"""Rows for ``gb2_job_status`` and ``gb2_project_summary``, built from job attributes. Pure.

A project's **status** is one word from :data:`PROJECT_STATUSES`, so that scripts can compare it:

* ``Good``    every job is Done with ApplicationStatus Done: outputs are complete, download them;
* ``Failed``  every job has finished and at least one failed or was killed: read logs, reschedule;
* ``Waiting`` no job has started yet;
* ``Running`` anything else (some jobs still running, completing, stalled or waiting).

Counts: ``Done`` as in :func:`.status.isDone`; ``Fail`` failed or killed jobs; ``Run`` running, completing
and stalled jobs; ``Wait`` jobs not started. Duration runs from the first submission to the last update of
a finished project, or to ``now`` while it is active.
"""

from __future__ import annotations

import datetime

from BelleDIRAC.gbasf2.lib.job.status import bucket, formatTime, parseTime

PROJECT_STATUSES = ("Good", "Failed", "Waiting", "Running")
PROJECT_COLUMNS = ["Project", "Owner", "Status", "Done", "Fail", "Run", "Wait", "Submission Time(UTC)", "Duration"]
JOB_COLUMNS = ["Job id", "Status", "MinorStatus", "ApplicationStatus", "Site"]
_FINISHED = {"Done", "Failed", "Killed"}


def jobRows(jobs: dict) -> list[list]:
    """Table rows for ``{jobID: attributes}``, in job ID order."""
    return [
        [jobID, job.get("Status"), job.get("MinorStatus"), job.get("ApplicationStatus"), job.get("Site")]
        for jobID, job in sorted(jobs.items(), key=lambda item: int(item[0]))
    ]


def duration(seconds: float) -> str:
    """``HH:MM:SS``; hours keep counting past 24 so that long projects stay comparable."""
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def projectRecord(project: str, jobs: list[dict], now: datetime.datetime) -> dict:
    """One project's summary (the data behind a table row and the ``--json`` output)."""
    buckets = [bucket(job) for job in jobs]
    counts = {
        "Done": buckets.count("Done"),
        "Fail": buckets.count("Failed") + buckets.count("Killed"),
        "Run": buckets.count("Running") + buckets.count("Completed") + buckets.count("Stalled"),
        "Wait": buckets.count("Waiting"),
    }
    finished = bool(buckets) and all(b in _FINISHED for b in buckets)
    if buckets and counts["Done"] == len(buckets):
        status = "Good"
    elif finished:
        status = "Failed"
    elif counts["Wait"] == len(buckets):
        status = "Waiting"
    else:
        status = "Running"
    submitted = [t for t in (parseTime(job.get("SubmissionTime")) for job in jobs) if t]
    updated = [t for t in (parseTime(job.get("LastUpdateTime")) for job in jobs) if t]
    start = min(submitted) if submitted else None
    end = max(updated) if finished and updated else now
    owners = sorted({job.get("Owner") or "" for job in jobs})
    return {
        "Project": project,
        "Owner": ",".join(owners),
        "Status": status,
        **counts,
        "Jobs": len(jobs),
        "Submission Time(UTC)": formatTime(start) if start else "",
        "Duration": duration((end - start).total_seconds()) if start else "",
    }


def projectRows(records: list[dict]) -> list[list]:
    return [[record[column] for column in PROJECT_COLUMNS] for record in records]


def groupByProject(jobs: dict) -> dict[str, list[dict]]:
    """``{project: [attributes, ...]}`` from ``{jobID: attributes}`` (the project is the JobGroup)."""
    out: dict[str, list[dict]] = {}
    for job in jobs.values():
        out.setdefault(job.get("JobGroup") or "", []).append(job)
    return out
