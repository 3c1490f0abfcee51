"""The job-information API that gb2 tools and programs (b2luigi) use to see projects and their jobs.

A project is the DIRAC ``JobGroup`` of its jobs; project names are unique per user, so owner + JobGroup
identify it (the proxy group is not used to select: one user's projects may have been submitted under
different groups). The contract programs rely on:

* :meth:`InformationCollector.getAllJobsInProjects` returns ``S_OK({project: [jobID, ...]})`` with a key for
  *every* project asked, even without jobs (callers index it without checking);
* :meth:`InformationCollector.getJobSummary` returns ``S_OK({jobID: {...}})`` with the nine attributes of
  :data:`SUMMARY_ATTRIBUTES`, times as ``YYYY-MM-DD HH:MM:SS`` strings, or ``S_ERROR`` when there is no job
  (b2luigi takes that as "the project does not exist");
* jobs with Status ``Deleted`` are never returned: deleting a job means the user wants it forgotten;
* nothing is printed: programs print the result as JSON on stdout.

All queries are bulk (one selection, then attributes in chunks), since b2luigi polls often.
"""

from __future__ import annotations

from DIRAC import S_ERROR, S_OK

from BelleDIRAC.gbasf2.lib.job.status import DELETED, formatTime, parseTime

SUMMARY_ATTRIBUTES = (
    "Status",
    "MinorStatus",
    "ApplicationStatus",
    "Site",
    "JobGroup",
    "Owner",
    "SubmissionTime",
    "HeartBeatTime",
    "LastUpdateTime",
)
TIME_ATTRIBUTES = ("SubmissionTime", "HeartBeatTime", "LastUpdateTime")
CHUNK = 1000
EPOCH = "1970-01-01"


def _owner(login) -> str | None:
    """The owner to select on: ``login = [user, group]``; ``None``/``"all"`` means every user."""
    if not login:
        return None
    user = login[0] if isinstance(login, list | tuple) else login
    return None if user in (None, "", "all") else user


def _statusCondition(statuses) -> list[str] | None:
    wanted = (statuses or {}).get("Status") or ["all"]
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    return None if "all" in wanted else wanted


def publicRecord(attributes: dict) -> dict:
    """The nine summary attributes, times as plain strings (JSON-safe, no ``T``)."""
    record = {key: attributes.get(key) for key in SUMMARY_ATTRIBUTES}
    for key in TIME_ATTRIBUTES:
        record[key] = formatTime(record[key])
    return record


class InformationCollector:
    """Reads jobs from DIRAC's JobMonitoring service; keeps what it read for the summary that follows."""

    def __init__(self):
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

        self._monitor = JobMonitoringClient()
        self._known: dict[int, dict] = {}

    def selectJobIDs(self, condDict: dict, since: str | None = None):
        """``S_OK([jobID, ...])`` matching ``condDict`` and last updated after ``since`` (DIRAC's cut)."""
        result = self._monitor.getJobs(condDict, since) if since else self._monitor.getJobs(condDict)
        if not result["OK"]:
            return S_ERROR(f"cannot list jobs from the JobMonitoring service: {result['Message']}")
        return S_OK(sorted({int(jobID) for jobID in result["Value"] or []}))

    def getAttributes(self, jobIDs):
        """``S_OK({jobID: attributes})`` for the jobs that exist and are not Deleted, fetched in bulk."""
        jobIDs = sorted({int(j) for j in jobIDs})
        found: dict[int, dict] = {}
        for first in range(0, len(jobIDs), CHUNK):
            result = self._monitor.getJobsSummary(jobIDs[first : first + CHUNK])
            if not result["OK"]:
                return S_ERROR(f"cannot read job attributes from the JobMonitoring service: {result['Message']}")
            for jobID, attributes in (result["Value"] or {}).items():
                found[int(jobID)] = attributes
        self._known.update(found)
        return S_OK({jobID: attrs for jobID, attrs in found.items() if attrs.get("Status") != DELETED})

    def getJobs(self, projects=None, owner=None, since=None, statuses=None, jobIDs=None):
        """``S_OK({jobID: attributes})`` for a selection: by projects and/or IDs, owner, submitted since."""
        cond: dict = {}
        if projects:
            cond["JobGroup"] = list(projects)
        if owner:
            cond["Owner"] = owner
        status = _statusCondition(statuses)
        if status:
            cond["Status"] = status
        if jobIDs:
            ids = sorted({int(j) for j in jobIDs})
            if cond:
                cond["JobID"] = ids
                selected = self.selectJobIDs(cond)
                if not selected["OK"]:
                    return selected
                ids = selected["Value"]
        else:
            selected = self.selectJobIDs(cond, since)
            if not selected["OK"]:
                return selected
            ids = selected["Value"]
        found = self.getAttributes(ids)
        if not found["OK"] or not since:
            return found
        cut = parseTime(since)
        return S_OK(
            {
                jobID: attrs
                for jobID, attrs in found["Value"].items()
                if (parseTime(attrs.get("SubmissionTime")) or cut) >= cut
            }
        )

    def getAllJobsInProjects(self, projects, date=EPOCH, login=None, statuses=None):
        """``S_OK({project: [jobID, ...]})`` for ``login``'s jobs (``[user, group]``) submitted since ``date``."""
        projects = [projects] if isinstance(projects, str) else list(projects or [])
        byProject: dict[str, list[int]] = {project: [] for project in projects}
        if not projects:
            return S_OK(byProject)
        since = None if not date or str(date).startswith(EPOCH) else date
        try:
            result = self.getJobs(projects=projects, owner=_owner(login), since=since, statuses=statuses)
        except ValueError as exc:
            return S_ERROR(str(exc))
        if not result["OK"]:
            return result
        for jobID, attrs in sorted(result["Value"].items()):
            if attrs.get("JobGroup") in byProject:
                byProject[attrs["JobGroup"]].append(jobID)
        return S_OK(byProject)

    def getJobSummary(self, items):
        """``S_OK({jobID: summary})`` for job IDs (a list, or a dict keyed by ID); ``S_ERROR`` if none."""
        jobIDs = sorted({int(j) for j in (items or [])})
        missing = [j for j in jobIDs if j not in self._known]
        if missing:
            result = self.getAttributes(missing)
            if not result["OK"]:
                return result
        summary = {
            jobID: publicRecord(self._known[jobID])
            for jobID in jobIDs
            if jobID in self._known and self._known[jobID].get("Status") != DELETED
        }
        if not summary:
            return S_ERROR("no jobs found")
        return S_OK(summary)
