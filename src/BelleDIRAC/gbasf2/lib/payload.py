"""``gbasf2-payload``: what a gbasf2 job runs on the worker node.

1. basf2 of the requested release (from the software area named in the CS, ``/Operations/Defaults/gbasf2/
   SoftwareArea``; CVMFS on the grid) runs the steering file on the job's input file, which DIRAC has put in
   the job directory; its output goes to ``Script1_basf2helper.py.log`` (returned in the output sandbox).
2. Scouts (``BELLE2_SCOUT_EVENTS`` set) process that many events and stop there: they upload nothing.
3. Every ``.root`` file the steering file created is renamed ``<stem>_<NNNNN>_job<JobID>_<RR><exts>`` and put
   into the project's datablock ``sub<NNNNN // 1000>`` on the output SE (the site's SE unless given),
   registered in Rucio. If that SE refuses, DIRAC's failover path keeps the file on another SE and the
   request left in the job directory has Rucio move it (BelleDIRAC's ReplicateAndRegister).
4. Production jobs (``--log-dir``) then archive the logs the payload wrote (``*.log``: basf2's
   ``Script1_basf2helper.py.log``) as ``<log-dir>/sub<NNNNN // 1000>/<log-name>_job<JobID>_<RR>.log.tgz`` on
   the output SE, uploaded like the outputs, failed payloads included: that is when the logs matter. The
   job parameter ``LogLFN`` names it. A log that cannot be stored never fails the job: it is reported (as
   an ApplicationStatus before the final one, and in std.out) and ``LogLFN`` is not set.
5. The job's ApplicationStatus is ``Done`` on success, else what failed; the exit code is non-zero on
   failure, so the job ends Failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
from urllib.parse import unquote

from BelleDIRAC.gbasf2.lib import naming
from BelleDIRAC.gbasf2.lib.submission import LOG_FILE

EXIT_SOFTWARE, EXIT_INPUT, EXIT_NO_OUTPUT, EXIT_UPLOAD = 40, 41, 42, 43
REQUEST_FILE = "gbasf2_request.json"
# A request file of its own: the log upload must not overwrite the outputs' failover request. DIRAC's
# JobWrapper sends on every ``*_request.json`` of the job directory.
LOG_REQUEST_FILE = "gbasf2_log_request.json"


def parse(argv):
    parser = argparse.ArgumentParser(prog="gbasf2-payload", description=__doc__.splitlines()[0])
    parser.add_argument("--steering", required=True)
    parser.add_argument("--release", required=True)
    parser.add_argument("--dataset", required=True, help="output dataset LPN")
    parser.add_argument("--offset", type=int, default=0, help="jobs the project had before this submission")
    parser.add_argument("--index", type=int, required=True, help="this job's number in its submission")
    parser.add_argument("--input", action="append", default=[], help="input LFN (delivered to the job directory)")
    parser.add_argument("--output-se", default="")
    parser.add_argument("--basf2opt", default="", help="extra basf2 options, URL-quoted")
    parser.add_argument("--events", type=int, default=0, help="events to generate or process (0: all)")
    parser.add_argument("--scout", action="store_true", help="a production scout: run, upload nothing")
    parser.add_argument("--log-dir", default="", help="production jobs: LFN directory to archive the logs in")
    parser.add_argument("--log-name", default="", help="name of the log archive (the job name)")
    return parser.parse_args(argv)


def basf2Command(basf2: str, steering: str, inputs: list[str], events: int, basf2opt: str) -> list[str]:
    cmd = [basf2, steering]
    for name in inputs:
        cmd += ["-i", name]
    if events:
        cmd += ["-n", str(events)]
    return cmd + basf2opt.split()


def newOutputs(before: set[str], after: set[str], inputs: list[str]) -> list[str]:
    """Files the payload created: new ``.root`` files of the job directory that are not inputs."""
    return sorted(n for n in after - before - set(inputs) if n.endswith(".root") and not n.startswith("."))


def logFiles(before: set[str], after: set[str]) -> list[str]:
    """The logs a production job archives: the ``.log`` files the payload (basf2 and its steering) wrote into
    the job directory, basf2's own log always; not what was there before (inputs, the pilot's files)."""
    new = {n for n in after - before if n.endswith(".log") and not n.startswith(".")}
    return sorted(new | ({LOG_FILE} & after))


def logLFN(logDir: str, logName: str, index: int, jobID: int, rescheduled: int) -> str:
    """``<logDir>/sub<index // 1000>/<logName>_job<JobID>_<RR>.log.tgz``: the datablock of the job's outputs,
    and ``_RR`` as in output names, because a rescheduled job keeps its JobID and must not collide with the
    archive of its earlier run."""
    name = logName or f"{int(index):05d}"
    return f"{logDir}/{naming.datablockFor(index)}/{name}_job{int(jobID)}_{min(int(rescheduled), 99):02d}.log.tgz"


def packLogs(names: list[str], archive: str) -> None:
    """One gzipped tar of ``names``, flat (as they were in the job directory)."""
    with tarfile.open(archive, "w:gz") as tar:
        for name in names:
            tar.add(name, arcname=os.path.basename(name))


def _report(jobID: int, status: str) -> None:
    print(f"gbasf2-payload: {status}", flush=True)
    if jobID:
        from DIRAC.WorkloadManagementSystem.Client.JobReport import JobReport

        JobReport(jobID, "gbasf2").setApplicationStatus(status, sendFlag=True)


def _jobParameter(jobID: int, name: str, value: str) -> None:
    """``OutputLFNs`` and ``LogLFN`` are job parameters: the production system's bookkeeping reads them."""
    if jobID:
        from DIRAC.WorkloadManagementSystem.Client.JobReport import JobReport

        JobReport(jobID, "gbasf2").setJobParameter(name, value, sendFlag=True)


def _basf2(release: str) -> str | None:
    from DIRAC.ConfigurationSystem.Client.Helpers.Operations import Operations

    area = os.environ.get("BELLE2_SOFTWARE_AREA") or Operations().getValue("gbasf2/SoftwareArea", "")
    path = os.path.join(area, "releases", release, "bin", "basf2")
    return path if area and os.access(path, os.X_OK) else None


def _rescheduled(jobID: int) -> int:
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    result = JobMonitoringClient().getJobAttribute(jobID, "RescheduleCounter") if jobID else {"OK": False}
    return int(result["Value"] or 0) if result["OK"] else 0


def _resolve(group: str, site: str) -> list[str]:
    from DIRAC.DataManagementSystem.Utilities.ResolveSE import getDestinationSEList

    try:
        return getDestinationSEList(group, site)
    except RuntimeError:  # the group is not configured
        return []


def _outputSEs(outputSE: str, site: str) -> list[str]:
    """The SE asked for, else the ``SE-USER`` group, else the SEs of the job's site."""
    if outputSE:
        return [outputSE]
    from DIRAC.Core.Utilities.SiteSEMapping import getSEsForSite

    return _resolve("SE-USER", site) or getSEsForSite(site).get("Value", [])


def _upload(files: dict[str, str], outputSE: str, requestFile: str = REQUEST_FILE) -> list[str]:
    """Upload ``{local: lfn}``; returns what could not be stored anywhere. A failover request, if any, is left
    in the job directory as ``requestFile``, where DIRAC's JobWrapper sends it on."""
    import DIRAC
    from DIRAC.Core.Utilities.Adler import fileAdler
    from DIRAC.DataManagementSystem.Client.FailoverTransfer import FailoverTransfer

    site = DIRAC.siteName()
    targets = _outputSEs(outputSE, site)
    failover = [se for se in _resolve("Tier1-Failover", site) if se not in targets]
    transfer, lost = FailoverTransfer(), []
    for local, lfn in files.items():
        meta = {"Size": os.path.getsize(local), "LFN": lfn, "ChecksumType": "Adler32", "Checksum": fileAdler(local)}
        result = transfer.transferAndRegisterFile(local, os.path.abspath(local), lfn, targets, meta, None)
        if not result["OK"] and failover:
            result = transfer.transferAndRegisterFileFailover(
                local, os.path.abspath(local), lfn, targets[0], failover, meta
            )
        print(f"gbasf2-payload: {lfn}: {'stored' if result['OK'] else result['Message']}", flush=True)
        if not result["OK"]:
            lost.append(lfn)
    request = transfer.getRequest()
    if not request.isEmpty():
        with open(requestFile, "w") as fh:
            json.dump(request.toJSON()["Value"], fh)
    return lost


def run(args) -> int:
    jobID = int(os.environ.get("JOBID") or os.environ.get("DIRACJOBID") or 0)
    scoutEvents = int(os.environ.get("BELLE2_SCOUT_EVENTS", "0") or 0) or (args.events if args.scout else 0)
    basf2 = _basf2(args.release)
    if not basf2:
        _report(jobID, f"Software not found: release {args.release}")
        return EXIT_SOFTWARE
    inputs = [os.path.basename(lfn) for lfn in args.input]
    missing = [name for name in inputs if not os.path.exists(name)]
    if missing:
        _report(jobID, f"Input data not found: {', '.join(missing)}")
        return EXIT_INPUT
    before = set(os.listdir("."))
    cmd = basf2Command(basf2, args.steering, inputs, scoutEvents or args.events, unquote(args.basf2opt))
    _report(jobID, "Running basf2")
    with open(LOG_FILE, "w") as log:
        code = subprocess.call([sys.executable, *cmd], stdout=log, stderr=subprocess.STDOUT)
    with open(LOG_FILE) as log:
        sys.stdout.write(log.read()[-4000:])
    if scoutEvents:
        _report(jobID, f"basf2 failed (exit {code})" if code else "Done")
        return code
    rr = _rescheduled(jobID)
    code, status = (code, f"basf2 failed (exit {code})") if code else _store(args, jobID, before, inputs, rr)
    if args.log_dir:
        _archiveLogs(args, jobID, before, rr)
    _report(jobID, status)  # last: the monitoring agent reads the outcome, not the log archive's, from it
    return code


def _store(args, jobID: int, before: set[str], inputs: list[str], rr: int) -> tuple[int, str]:
    """Rename, upload and register the outputs; (exit code, final ApplicationStatus)."""
    outputs = newOutputs(before, set(os.listdir(".")), inputs)
    if not outputs:
        return EXIT_NO_OUTPUT, "No output file written"
    index = args.offset + args.index
    files = {}
    for name in outputs:
        lfn = naming.outputLFN(args.dataset, name, index, jobID, rr)
        os.rename(name, os.path.basename(lfn))
        files[os.path.basename(lfn)] = lfn
    _report(jobID, "Uploading output")
    lost = _upload(files, args.output_se)
    if lost:
        return EXIT_UPLOAD, f"Output upload failed: {len(lost)} file(s)"
    _jobParameter(jobID, "OutputLFNs", ",".join(sorted(files.values())))
    return 0, "Done"


def _archiveLogs(args, jobID: int, before: set[str], rr: int) -> None:
    """Archive the payload's logs on the output SE and name the archive in job parameter ``LogLFN``.

    Whatever goes wrong here is reported and swallowed: losing a log must not turn a job whose outputs are
    stored into a failed one (the production would redo the work), nor hide why a failed one failed.
    """
    names = logFiles(before, set(os.listdir(".")))
    if not names:
        return
    lfn = logLFN(args.log_dir, args.log_name, args.offset + args.index, jobID, rr)
    try:
        packLogs(names, os.path.basename(lfn))
        lost = _upload({os.path.basename(lfn): lfn}, args.output_se, LOG_REQUEST_FILE)
        problem = "not stored" if lost else ""
    except Exception as exc:  # noqa: BLE001 -- see the docstring
        problem = f"{type(exc).__name__}: {exc}"
    if problem:
        _report(jobID, f"Log upload failed: {lfn} {problem}"[:255])
        return
    _jobParameter(jobID, "LogLFN", lfn)


def main(argv=None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    from BelleDIRAC.Client.helpers.common import initializeCS

    initializeCS(logLevel="WARN")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
