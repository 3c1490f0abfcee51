"""The JDL of production jobs, decided purely from the production and the tasks to submit.

Tasks of one production that may run on the same sites go into one parametric job: the parameter is the
task ID, so ``JobName`` (``<transID:08>_<taskID:08>``, what DIRAC's WorkflowTasks names its jobs) identifies
each job's task and lets an agent that died between submitting and recording find the jobs it made.
Each job runs ``gbasf2-payload`` with the task's events (MC generation) or input file and writes its outputs
into ``subNN`` datablocks of the production's output dataset, ``NN`` = (task − 1) // 1000. Every job but a
scout archives its logs in :func:`logDirectory` (the same ``subNN``, named after the job: see
``payload.logLFN``), on the output SE; merge jobs in ``log_merged``, as their outputs go to ``<tier>_merged``.
"""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib.submission import OUTPUT_SANDBOX, PAYLOAD, _jdlList, _jdlString
from BelleDIRAC.ProductionSystem.Utilities.merge import MERGE_STEERING_NAME, mergedDataset

JOB_TYPES = {"MCGeneration": "MCSimulation", "DataProcessing": "DataReconstruction", "Skim": "DataReconstruction",
             "Merge": "Merge"}  # fmt: skip


def jobName(transID: int, taskID: int | str) -> str:
    return f"{int(transID):08d}_{int(taskID):08d}"


def logDirectory(outputPath: str) -> str:
    """Where a production's log archives go: ``.../prod<ID>/log`` beside its ``.../prod<ID>/<data_tier>``.

    Merge jobs' logs go to :func:`mergedDataset` of it: in ``log/subNN`` the archives of a full block's 1000
    jobs leave no room for its merge job's (the catalog refuses a datablock's 1001st file)."""
    parent, tier = outputPath.rstrip("/").rsplit("/", 1)
    if not parent or not tier:
        raise ValueError(f"not a production output path: {outputPath!r}")
    return f"{parent}/log"


def _common(prod: dict, defn: dict, transID: int, arguments: list[str], jobType: str, sandbox: list[str]) -> list:
    lines = [
        f"JobGroup = {_jdlString(f'{int(transID):08d}')};",
        f"JobType = {_jdlString(jobType)};",
        f"Executable = {_jdlString(PAYLOAD)};",
        f"Arguments = {_jdlString(' '.join(arguments))};",
        f"InputSandbox = {_jdlList(sandbox)};",
        f"OutputSandbox = {_jdlList(OUTPUT_SANDBOX)};",
        'StdOutput = "std.out";',
        'StdError = "std.err";',
        f"Priority = {int(defn.get('priority', 5))};",
    ]
    if defn.get("cpu_time"):
        lines.append(f"CPUTime = {int(defn['cpu_time'])};")
    return lines


def _finish(lines: list[str], bannedSites: list[str]) -> str:
    if bannedSites:
        lines.append(f"BannedSites = {_jdlList(sorted(bannedSites))};")
    return "[\n  " + "\n  ".join(lines) + "\n]"


def _arguments(defn: dict, steering: str, dataset: str, offset: int, index: str, events: int, scout: bool,
               logDir: str, logName: str) -> list:  # fmt: skip
    """The payload's arguments; scouts upload nothing, so they get no log archive either."""
    out = [f"--steering {steering}", f"--release {defn['release']}", f"--dataset {dataset}", f"--offset {offset}",
           f"--index {index}"]  # fmt: skip
    if defn["output"].get("se"):
        out.append(f"--output-se {defn['output']['se']}")
    if events:
        out.append(f"--events {int(events)}")
    if scout:
        out.append("--scout")
    else:
        out += [f"--log-dir {logDir}", f"--log-name {logName}"]
    return out


def mcJDL(prod: dict, defn: dict, transID: int, taskIDs: list[int], events: int, bannedSites=(), scout=False) -> str:
    """One parametric MC job set for ``taskIDs``, each generating ``events`` (a scout: and uploading nothing).

    Output index = task − 1, so datablock ``subNN`` holds tasks 1000·NN+1 … 1000·(NN+1).
    """
    if not taskIDs:
        raise ValueError("no tasks to submit")
    arguments = _arguments(defn, defn["steering"], prod["OutputPath"], -1, "%s", events, scout,
                           logDirectory(prod["OutputPath"]), f"{int(transID):08d}_%s")  # fmt: skip
    lines = _common(prod, defn, transID, arguments, JOB_TYPES[defn["type"]], [prod["Sandbox"]])
    lines.insert(0, f"JobName = {_jdlString(f'{int(transID):08d}_%s')};")
    lines.append(f"Parameters = {_jdlList([f'{int(t):08d}' for t in taskIDs])};")
    return _finish(lines, list(bannedSites))


def inputJDL(prod: dict, defn: dict, transID: int, taskID: int, lfns: list[str], bannedSites=(), merge=False,
             blockIndex: int = 0, scoutEvents: int = 0) -> str:  # fmt: skip
    """One job reading ``lfns``: a data-processing task (outputs indexed by task), or a merge of datablock
    ``blockIndex`` into one file of the merged dataset."""
    if not lfns:
        raise ValueError(f"task {taskID} has no input files")
    if merge:
        logDir, name = mergedDataset(logDirectory(prod["OutputPath"])), jobName(transID, taskID)
        arguments = _arguments(defn, MERGE_STEERING_NAME, mergedDataset(prod["OutputPath"]), int(blockIndex), "0", 0,
                               False, logDir, name)  # fmt: skip
        jobType = "Merge"
    else:
        logDir, name = logDirectory(prod["OutputPath"]), jobName(transID, taskID)
        arguments = _arguments(defn, defn["steering"], prod["OutputPath"], int(taskID) - 1, "0", scoutEvents,
                               bool(scoutEvents), logDir, name)  # fmt: skip
        jobType = JOB_TYPES[defn["type"]]
    arguments += [f"--input {lfn}" for lfn in lfns]
    lines = _common(prod, defn, transID, arguments, jobType, [prod["Sandbox"]])
    lines.insert(0, f"JobName = {_jdlString(jobName(transID, taskID))};")
    lines.append(f"InputData = {_jdlList(lfns)};")
    return _finish(lines, list(bannedSites))


def mcEvents(defn: dict, taskID: int) -> int:
    """Events of MC task ``taskID``: events_per_job, the last task the remainder."""
    per, total = int(defn["events_per_job"]), int(defn["events"])
    return max(0, min(per, total - (int(taskID) - 1) * per))


def asScout(jdl: str, transID: int) -> str:
    """A scout's JDL: named ``<transID>_scout_<task>`` so it is never taken for the task's own job."""
    prefix = f'JobName = "{int(transID):08d}_'
    if prefix not in jdl:
        raise ValueError("not a production job of this transformation")
    return jdl.replace(prefix, prefix + "scout_", 1)
