#!/usr/bin/env python
"""List job sets held in Scouting with their scouts, or release or fail their primaries by hand.

Usage:
  belle-admin-scouting list [--json]
  belle-admin-scouting release <JobID|ScoutID> ...
  belle-admin-scouting fail <JobID|ScoutID> ... --reason "<why>"

A ScoutID argument (e.g. 1200:1201) selects every primary of the set those scouts belong to. Releasing
sends the primaries on to Waiting as if their scouts had succeeded; failing ends them Failed with the
reason. Both need the owner's or a JobAdministrator's rights; other users' jobs are refused.

Example:
  $ belle-admin-scouting list
  $ belle-admin-scouting fail 1200:1201 --reason "payload known to crash"
"""

import json

import DIRAC
from DIRAC.Core.Base.Script import Script

SWITCHES = {"reason": "", "json": False}


def _reason(value):
    SWITCHES["reason"] = value
    return DIRAC.S_OK()


def _json(_value):
    SWITCHES["json"] = True
    return DIRAC.S_OK()


def printSets(sets: list[dict]) -> None:
    if SWITCHES["json"]:
        print(json.dumps(sets, indent=1))
        return
    if not sets:
        print("No job sets in Scouting")
        return
    header = f"{'ScoutID':<20} {'Owner':<14} {'JobGroup':<22} {'Primaries':>9}  Scouts"
    print(header)
    print("-" * len(header))
    for row in sets:
        scouts = " ".join(f"{jid}:{status}" for jid, status in row["Scouts"])
        print(f"{row['ScoutID']:<20} {row['Owner'] or '-':<14} {row['JobGroup'] or '-':<22} "
              f"{len(row['Primaries']):>9}  {scouts}")  # fmt: skip


def selectJobs(args: list[str], sets: list[dict]) -> list[int]:
    """Job IDs from arguments: a ScoutID of a listed set stands for all its primaries."""
    bySet = {row["ScoutID"]: row["Primaries"] for row in sets}
    jobs = []
    for arg in args:
        if arg in bySet:
            jobs += bySet[arg]
        elif arg.isdigit():
            jobs.append(int(arg))
        else:
            raise ValueError(f"{arg!r} is neither a job ID nor the ScoutID of a set in Scouting")
    return jobs


@Script()
def main():
    Script.registerSwitch("", "reason=", "why the set is failed (shown as the jobs' minor status)", _reason)
    Script.registerSwitch("", "json", "list as JSON", _json)
    Script.registerArgument(" action: list, release or fail", values=["list", "release", "fail"])
    Script.registerArgument(["job: JobID or ScoutID"], mandatory=False)
    _, args = Script.parseCommandLine(ignoreErrors=False)
    action, targets = args[0], args[1:]

    from BelleDIRAC.WorkloadManagementSystem.Client.ScoutingClient import ScoutingClient

    client = ScoutingClient()
    result = client.getScoutedJobSets(0)
    if not result["OK"]:
        print("ERROR", result["Message"])
        DIRAC.exit(2)
    if action == "list":
        printSets(result["Value"])
        DIRAC.exit(0)
    if not targets:
        print(f"ERROR nothing to {action}: give job IDs or ScoutIDs (see `belle-admin-scouting list`)")
        DIRAC.exit(1)
    if action == "fail" and not SWITCHES["reason"]:
        print("ERROR failing jobs by hand needs --reason, which their owner will read")
        DIRAC.exit(1)
    try:
        jobs = selectJobs(targets, result["Value"])
    except ValueError as exc:
        print("ERROR", exc)
        DIRAC.exit(1)
    result = client.setScoutVerdict(jobs, action, SWITCHES["reason"])
    if not result["OK"]:
        print("ERROR", result["Message"])
        DIRAC.exit(2)
    moved, untouched = result["Value"]["Moved"], result["Value"]["NotInScouting"]
    print(f"{action}: {len(moved)} jobs" + (f"; not in Scouting, left alone: {untouched}" if untouched else ""))
    DIRAC.exit(0)


if __name__ == "__main__":
    main()
