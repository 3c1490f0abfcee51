"""Which jobs a gb2 job tool works on, from its ``-p``/``-j``/``-u``/``--status``/``--site``/``--date`` options.

Owner rules: ``-p`` selects the caller's projects unless ``-u`` names another owner (``all``: every owner),
because project names are only unique per user. ``-j`` selects the given IDs whoever owns them (unless
``-u`` is given too): acting on someone else's job is then refused by DIRAC and reported, instead of the job
silently "not matching".
"""

from __future__ import annotations

from DIRAC import S_ERROR, S_OK

from BelleDIRAC.gbasf2.lib import naming
from BelleDIRAC.gbasf2.lib.job.status import parseTime


def splitValues(values) -> list[str]:
    """``["Failed,Killed", "Done"]`` -> ``["Failed", "Killed", "Done"]``."""
    return [item for value in values or [] for item in str(value).replace(",", " ").split()]


def owner(user: str | None, me: str) -> str | None:
    """The owner to select on: yourself by default, ``None`` for ``all``."""
    if not user:
        return me
    return None if user == "all" else user


def filterJobs(jobs: dict, statuses=(), sites=()) -> dict:
    """Keep jobs whose Status / Site is one of the given values (case-insensitive); empty means any."""
    statuses = {s.lower() for s in statuses or ()}
    sites = {s.lower() for s in sites or ()}
    return {
        jobID: attrs
        for jobID, attrs in jobs.items()
        if (not statuses or str(attrs.get("Status")).lower() in statuses)
        and (not sites or str(attrs.get("Site")).lower() in sites)
    }


def checkArguments(projects, jobIDs, since=None) -> str | None:
    """A usage problem as a sentence telling what to type, or ``None``."""
    if not projects and not jobIDs:
        return "select jobs with -p <project> [<project> ...] or -j <jobid> [<jobid> ...]"
    for project in projects or []:
        try:
            naming.validateProject(project)
        except naming.NamingError as exc:
            return str(exc)
    if since:
        try:
            parseTime(since)
        except ValueError as exc:
            return str(exc)
    return None


def selectJobs(collector, me: str, projects=(), jobIDs=(), user=None, statuses=(), sites=(), since=None):
    """``S_OK({jobID: attributes})`` (Deleted jobs excluded) for the options of a job tool."""
    who = owner(user, me) if (projects or user) else None
    result = S_OK({})
    if projects:
        result = collector.getJobs(projects=projects, owner=who, since=since)
    if jobIDs and result["OK"]:
        byID = collector.getJobs(jobIDs=jobIDs, owner=who, since=since)
        if not byID["OK"]:
            return byID
        result = S_OK({**result["Value"], **byID["Value"]})
    if not result["OK"]:
        return S_ERROR(f"{result['Message']} (is the DIRAC service reachable? try again later)")
    return S_OK(filterJobs(result["Value"], splitValues(statuses), splitValues(sites)))
