"""What ``gbasf2`` submits, decided purely: the project's parametric JDL and the summary shown before it.

One job per input file: a parametric job whose parameter is the input LFN (``InputData``); ``%n`` is the job's
number in this submission and ``--offset`` the number of jobs the project already had, so the payload names
its outputs ``<stem>_<NNNNN>_job<ID>_<RR>`` with ``NNNNN`` unique in the project (:mod:`.naming`).
The payload is ``gbasf2-payload`` (:mod:`.payload`), which runs the release's basf2 and uploads the outputs.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from urllib.parse import quote

PAYLOAD = "gbasf2-payload"
LOG_FILE = "Script1_basf2helper.py.log"
OUTPUT_SANDBOX = ("std.out", "std.err", LOG_FILE, "job.info")
MAX_PRIORITY = 10


@dataclass
class Submission:
    project: str
    user: str
    group: str
    steering: str  # absolute path of the steering file (staged)
    release: str
    dataset: str  # output dataset LPN
    inputs: list[str]
    sandbox: list[str] = field(default_factory=list)  # absolute paths (staged), steering excluded
    priority: int = 0
    sites: list[str] = field(default_factory=list)
    bannedSites: list[str] = field(default_factory=list)
    cpuTime: int | None = None  # seconds per job
    basf2opt: str = ""
    outputSE: str = ""
    offset: int = 0
    noscout: bool = False


class SubmissionError(ValueError):
    """A submission that must be refused before anything is sent; the message says what to fix."""


def checkPriority(value: int) -> int:
    if not 0 <= int(value) <= MAX_PRIORITY:
        raise SubmissionError(f"--priority must be between 0 and {MAX_PRIORITY}, not {value}")
    return int(value)


def parseInputList(text: str) -> list[str]:
    """An ``--input_dslist`` file (the format ``gb2_ds_get --failed_lfns`` writes): one LPN per line;
    blank lines and ``#`` comments are skipped."""
    return [s for s in (line.split("#", 1)[0].strip() for line in text.splitlines()) if s]


def _jdlString(value: str) -> str:
    if any(c in value for c in '";\n\\'):
        raise SubmissionError(f"unsupported character in {value!r}")
    return f'"{value}"'


def _jdlList(values) -> str:
    return "{" + ", ".join(_jdlString(v) for v in values) + "}"


def jdl(sub: Submission) -> str:
    """The parametric JDL of a submission (one job per input file)."""
    if not sub.inputs:
        raise SubmissionError("no input files: give -i <dataset, datablock or LFN> or --input_dslist <file>")
    arguments = [
        f"--steering {posixpath.basename(sub.steering)}",
        f"--release {sub.release}",
        f"--dataset {sub.dataset}",
        f"--offset {sub.offset}",
        "--index %n",
        "--input %s",
    ]
    if sub.outputSE:
        arguments.append(f"--output-se {sub.outputSE}")
    if sub.basf2opt:
        arguments.append(f"--basf2opt {quote(sub.basf2opt, safe='')}")
    lines = [
        f"JobName = {_jdlString(sub.project)};",
        f"JobGroup = {_jdlString(sub.project)};",
        'JobType = "User";',
        f"Executable = {_jdlString(PAYLOAD)};",
        f"Arguments = {_jdlString(' '.join(arguments))};",
        f"Parameters = {_jdlList(sub.inputs)};",
        'InputData = {"%s"};',
        f"InputSandbox = {_jdlList([sub.steering, *sub.sandbox])};",
        f"OutputSandbox = {_jdlList(OUTPUT_SANDBOX)};",
        'StdOutput = "std.out";',
        'StdError = "std.err";',
        f"Priority = {checkPriority(sub.priority)};",
    ]
    if sub.cpuTime:
        lines.append(f"CPUTime = {int(sub.cpuTime)};")
    if sub.sites:
        lines.append(f"Site = {_jdlList(sub.sites)};")
    if sub.bannedSites:
        lines.append(f"BannedSites = {_jdlList(sub.bannedSites)};")
    return "[\n  " + "\n  ".join(lines) + "\n]"


def summary(sub: Submission, proxyLeft: str, sizeMB: float | None = None) -> str:
    """The block printed before the Y/N question (the layout analysts know from gbasf2)."""
    star = "*" * 48
    rows = [
        star,
        "*************** Project summary ****************",
        f"** Project name: {sub.project}",
        f"** Dataset path: {sub.dataset}",
        f"** Steering file: {sub.steering}",
        f"** Job owner: {sub.user} @ {sub.group} ({proxyLeft})",
        f"** Preferred site / SE: {', '.join(sub.sites) or 'None'} / {sub.outputSE or 'None'}",
        f"** Input files for first job: LFN:{sub.inputs[0]}" if sub.inputs else "** Input files for first job: None",
        f"** Number of input files: {len(sub.inputs)}",
        f"** Number of jobs: {len(sub.inputs)}",
    ]
    if sizeMB is not None:
        rows.append(f"** Processed data (MB): {sizeMB:.0f}")
    cpu = f"{sub.cpuTime // 60} min" if sub.cpuTime else "not given (consider --cputime or --evtpersec)"
    rows += [f"** Estimated CPU time per job: {cpu}", f"** Scouts: {'no (--noscout)' if sub.noscout else 'yes'}", star]
    return "\n".join(rows)


def formatSeconds(seconds: int) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
