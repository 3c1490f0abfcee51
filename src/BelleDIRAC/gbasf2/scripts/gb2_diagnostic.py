"""Find out what is wrong: with your set-up, with a failed job, or with a job that does not start.

  gb2_diagnostic                        # proxy, configuration, job and data services, software
  gb2_diagnostic --failed_job <ID>      # why it failed and what to do (also: did the whole project fail?)
  gb2_diagnostic --waiting_job <ID>     # why it is still waiting: candidate sites, CPU time

Examples:
  gb2_diagnostic
  gb2_diagnostic --failed_job 387165066
  gb2_diagnostic --waiting_job 387165070 --json

Exit codes: 0 checks passed / job diagnosed, 1 a check failed, 2 bad usage, 3 no such job,
5 no valid proxy (run gb2_proxy_init).
"""

from __future__ import annotations

import sys

from BelleDIRAC.gbasf2.lib import cli, diagnosis

ATTRIBUTES = ["Status", "MinorStatus", "ApplicationStatus", "Site", "JobGroup", "Owner", "RescheduleCounter"]


def _checks() -> list[tuple[str, bool, str]]:
    """(what, passed, detail) for each service a gb2 tool needs."""
    from DIRAC import gConfig
    from DIRAC.ConfigurationSystem.Client.Helpers.Operations import Operations
    from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    from BelleDIRAC.gbasf2.lib import auth

    out = []
    info = auth.proxyInfo()
    left = info["Value"]["secondsLeft"] if info["OK"] else 0
    out.append(("proxy", info["OK"], f"{info['Value']['username']}@{info['Value']['group']}, {left // 3600} h left"
                if info["OK"] else info["Message"]))  # fmt: skip
    servers = gConfig.getServersList()
    out.append(("configuration service", bool(servers and gConfig.getValue("/DIRAC/Setup")), ", ".join(servers)))
    jobs = JobMonitoringClient().getJobs({"JobID": 0})
    out.append(("job monitoring", jobs["OK"], "reachable" if jobs["OK"] else jobs["Message"]))
    catalog = FileCatalog().isDirectory("/belle")
    out.append(("file catalog (Rucio)", catalog["OK"], "reachable" if catalog["OK"] else catalog["Message"]))
    releases = Operations().getValue("gbasf2/Releases", [])
    out.append(("software releases", bool(releases), ", ".join(releases) or "none configured"))
    return out


def _job(jobID: int) -> dict:
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    result = JobMonitoringClient().getJobAttributes(jobID, ATTRIBUTES)
    if not result["OK"] or not result["Value"]:
        cli.fail(f"no job {jobID}" + (f": {result['Message']}" if not result["OK"] else ""), cli.EXIT_NOTHING)
    return result["Value"]


def _failed(jobID: int) -> dict:
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    from BelleDIRAC.gbasf2.lib.job.status import isFailed

    job = _job(jobID)
    mon = JobMonitoringClient()
    ids = mon.getJobs({"Owner": job["Owner"], "JobGroup": job["JobGroup"]})
    summary = mon.getJobsSummary([int(i) for i in ids["Value"]]) if ids["OK"] and ids["Value"] else {"OK": False}
    project = [j for j in summary["Value"].values() if j.get("Status") != "Deleted"] if summary["OK"] else []
    verdict = diagnosis.failedVerdict(job, sum(isFailed(j) for j in project), len(project))
    return {"JobID": jobID, **job, "Category": verdict.category, "Advice": verdict.advice, "Scope": verdict.scope}


def _waiting(jobID: int) -> dict:
    from DIRAC.ConfigurationSystem.Client.Helpers.Resources import getQueues
    from DIRAC.Core.Utilities.ClassAd.ClassAdLight import ClassAd
    from DIRAC.Core.Utilities.SiteSEMapping import getSitesForSE
    from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
    from DIRAC.ResourceStatusSystem.Client.SiteStatus import SiteStatus
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    job = _job(jobID)
    jdl = JobMonitoringClient().getJobJDL(jobID, False)
    ad = ClassAd(jdl["Value"]) if jdl["OK"] else ClassAd("[]")
    wanted = {k: ad.getListFromExpression(k) for k in ("Site", "BannedSites") if ad.lookupAttribute(k)}
    wanted["CPUTime"] = ad.getAttributeInt("CPUTime") or 86400
    wanted["Status"] = job["Status"]
    usable = SiteStatus().getUsableSites()
    inputSites = None
    if ad.lookupAttribute("InputData"):
        lfns = ad.getListFromExpression("InputData")
        reps = FileCatalog().getReplicas(lfns)
        per = [{s for se in ses for s in getSitesForSE(se).get("Value", [])}
               for ses in (reps["Value"]["Successful"].values() if reps["OK"] else [])]  # fmt: skip
        inputSites = set.intersection(*per) if per and len(per) == len(lfns) else set()
    queues = getQueues()
    maxCPU = max((int(q.get("maxCPUTime", 0)) for s in (queues.get("Value") or {}).values() for ce in s.values()
                  for q in ce.get("Queues", {}).values()), default=0)  # fmt: skip
    findings = diagnosis.waitingFindings(wanted, set(usable.get("Value") or []), inputSites, maxCPU)
    return {"JobID": jobID, **job, "Findings": findings}


def main(argv=None) -> int:
    p = cli.Parser("gb2_diagnostic", __doc__)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--failed_job", type=int, help="explain why this job failed")
    group.add_argument("--waiting_job", type=int, help="explain why this job does not start")
    cli.addJSON(p)
    args = p.parse_args(argv)
    from BelleDIRAC.Client.helpers.common import initializeCS

    initializeCS()
    if args.failed_job or args.waiting_job:
        from BelleDIRAC.gbasf2.lib import auth

        auth.currentUser()
        report = _failed(args.failed_job) if args.failed_job else _waiting(args.waiting_job)
        if args.json:
            cli.printJSON(report)
            return cli.EXIT_OK
        print(f"Job {report['JobID']} ({report['JobGroup']}): {report['Status']} / {report['MinorStatus']} / "
              f"{report['ApplicationStatus']} at {report['Site']}")  # fmt: skip
        for line in report.get("Findings") or [f"[{report['Category']}] {report['Advice']}"]:
            print(f"  - {line}")
        return cli.EXIT_OK
    checks = _checks()
    if args.json:
        cli.printJSON([{"Check": c, "OK": ok, "Detail": d} for c, ok, d in checks])
    else:
        for check, ok, detail in checks:
            print(f"[{'OK' if ok else 'FAIL'}] {check}: {detail}")
    return cli.EXIT_OK if all(ok for _c, ok, _d in checks) else cli.EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
