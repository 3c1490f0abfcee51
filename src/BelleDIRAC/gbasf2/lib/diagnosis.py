"""What ``gb2_diagnostic`` concludes, decided purely from what DIRAC says about a job.

A failed job gets a category and the advice the gbasf2 documentation teaches: when *some* jobs of a project
failed it is a site or a transient problem (reschedule), when *all* failed it is the steering file, its
arguments or its input (read the log). A waiting job gets the reasons it cannot start: no site left after
the user's choices, the site mask and the input data; or more CPU time than any queue offers.
"""

from __future__ import annotations

from dataclasses import dataclass

# (category, what to do) per clue, most specific first; clues are matched in ApplicationStatus, then in
# MinorStatus (lower case).
FAILED_RULES = [
    ("scout", "scouts", "the project's scout jobs failed: fix the steering file (gb2_job_output -j <scout ID>)"),
    ("maximum of reschedul", "limit", "the job was rescheduled too often: fix the cause, then submit again"),
    ("software not found", "software", "the release is not installed where the job ran: ban that site "
     "(--banned_site) or pick another release (gb2_check_release)"),
    ("input data", "input", "an input file could not be read there: reschedule; if it fails again, check "
     "the input with gb2_ds_list -lg"),
    ("basf2 failed", "steering", "basf2 stopped with an error: read Script1_basf2helper.py.log "
     "(gb2_job_output -j <ID>)"),
    ("no output file", "steering", "the steering file wrote no .root output: check its output modules"),
    ("output upload", "storage", "the output could not be stored: reschedule (the SE may be down)"),
    ("stalled", "site", "the job stopped reporting (node lost, killed by the batch system): reschedule"),
    ("watchdog", "site", "the job exceeded its limits (CPU, memory or wall time): ask for more --cputime"),
    ("killed", "killed", "the job was killed: reschedule it if you still need it"),
]  # fmt: skip


@dataclass
class Verdict:
    category: str
    advice: str
    scope: str = ""  # "all" / "some" jobs of the project failed


WAITING_STATES = ("Received", "Checking", "Scouting", "Waiting", "Staging", "Matched", "Rescheduled")
FAILED_STATES = ("Failed", "Killed", "Stalled")


def failedVerdict(attributes: dict, projectFailed: int = 0, projectTotal: int = 0) -> Verdict:
    """Why a failed job failed, and what to do; ``projectFailed``/``projectTotal`` give the triage rule."""
    status = str(attributes.get("Status"))
    appDone = str(attributes.get("ApplicationStatus")) == "Done"
    if status not in FAILED_STATES and not (status == "Done" and not appDone):
        return Verdict("not failed", f"the job has not failed (it is {status}): nothing to diagnose")
    clues = [str(attributes.get("ApplicationStatus", "")).lower(), str(attributes.get("MinorStatus", "")).lower()]
    if str(attributes.get("Status")) in ("Killed", "Stalled"):
        clues.append(str(attributes["Status"]).lower())
    verdict = Verdict("unknown", "no known pattern: read the job's log with gb2_job_output -j <ID>")
    for clue, category, advice in FAILED_RULES:
        if any(clue in text for text in clues):
            verdict = Verdict(category, advice)
            break
    if projectTotal > 1:
        if projectFailed >= projectTotal:
            verdict.scope = "all"
            verdict.advice += "; all jobs of the project failed: the steering file, its options or its input are wrong"
        elif projectFailed:
            verdict.scope = "some"
            verdict.advice += "; only some jobs failed: likely a site or transient problem, reschedule them"
    return verdict


def waitingFindings(requested: dict, activeSites: set[str], inputSites: set[str] | None, maxCPU: int) -> list[str]:
    """Why a job cannot start. ``requested``: ``Status``, ``Site``/``BannedSites`` lists and ``CPUTime`` (s) of
    the JDL; ``inputSites``: sites holding all its input files (None: no input data)."""
    if requested.get("Status") and requested["Status"] not in WAITING_STATES:
        return [f"the job is not waiting (it is {requested['Status']}): nothing to diagnose"]
    findings = []
    candidates = set(activeSites)
    wanted = set(requested.get("Site") or [])
    if wanted - {"ANY"}:
        outside = sorted(wanted - activeSites)
        if outside:
            findings.append(f"requested site(s) not usable now (banned or unknown): {', '.join(outside)}")
        candidates &= wanted
    banned = set(requested.get("BannedSites") or [])
    candidates -= banned
    if inputSites is not None:
        if not inputSites:
            findings.append("no site holds all of the job's input files")
        candidates &= inputSites
    if not candidates:
        findings.append("no candidate site: the requested, banned, usable and input-data sites leave none")
    cpu = int(requested.get("CPUTime") or 0)
    if maxCPU and cpu > maxCPU:
        findings.append(f"CPU time requested ({cpu} s) is more than any queue offers ({maxCPU} s): lower --cputime")
    if not findings:
        findings.append(f"it can run at {', '.join(sorted(candidates))}: it is waiting for a free slot there")
    return findings
