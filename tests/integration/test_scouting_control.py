"""Acting on scouted job sets: by hand (owner or JobAdministrator only) and after the agent was killed."""

from __future__ import annotations

import os
import signal
import time

from b2stack import procs, stack
from tests.integration.scouts import history, submit_set, wait_all

AGENT = "ScoutingJobStatusAgent"
LATER = {"Waiting", "Matched", "Running", "Completing", "Done"}


def scouting_client(client, call: str):
    return client.python(f"""
        from BelleDIRAC.WorkloadManagementSystem.Client.ScoutingClient import ScoutingClient
        result = ScoutingClient().{call}
        """)


def test_only_owner_or_job_administrator_act_on_a_held_set(analyst, analyst2, operator, discard):
    held = submit_set(analyst, "sleep 120", n_primaries=3)
    other = submit_set(analyst, "sleep 120", n_primaries=2)
    discard += held["Scouts"] + held["Primaries"] + other["Scouts"] + other["Primaries"]
    assert {s["Status"] for s in wait_all(analyst, held["Primaries"], {"Scouting"}, 60).values()} == {"Scouting"}
    # another analyst neither sees the set nor can release or fail it
    theirs = scouting_client(analyst2, "getScoutedJobSets(0)")["Value"]
    assert not {j for row in theirs for j in row["Primaries"]} & set(held["Primaries"])
    for action in ("release", "fail"):
        refused = scouting_client(analyst2, f"setScoutVerdict({held['Primaries']}, '{action}', 'mine now')")
        assert not refused["OK"] and f"not allowed to {action}" in refused["Message"], refused
        assert sorted(refused["NonauthorizedJobIDs"]) == sorted(held["Primaries"])
    assert {s["Status"] for s in wait_all(analyst, held["Primaries"], {"Scouting"}, 5).values()} == {"Scouting"}
    # the operator sees every set and fails one by hand, with the reason the owner will read
    sets = {row["ScoutID"]: row for row in scouting_client(operator, "getScoutedJobSets(0)")["Value"]}
    scout_id = next(k for k, row in sets.items() if sorted(row["Primaries"]) == sorted(held["Primaries"]))
    assert [s for s, _ in sets[scout_id]["Scouts"]] == held["Scouts"]
    listing = operator.run("belle-admin-scouting", "list", check=True).stdout
    assert scout_id in listing and "b2analyst" in listing, listing
    out = operator.run("belle-admin-scouting", "fail", scout_id, "--reason", "payload known to hang", check=True)
    assert "fail: 3 jobs" in out.stdout, out.stdout
    failed = wait_all(analyst, held["Primaries"], {"Failed"}, 30)
    assert {s["MinorStatus"] for s in failed.values()} == {"Failed by hand: payload known to hang (b2operator)"}
    # the owner releases their own other set
    out = analyst.run("belle-admin-scouting", "release", *map(str, other["Primaries"]), check=True)
    assert "release: 2 jobs" in out.stdout, out.stdout
    assert {s["Status"] for s in wait_all(analyst, other["Primaries"], LATER, 60).values()} <= LATER
    # bad input is refused with a message, not a traceback
    bad = operator.run("belle-admin-scouting", "fail", "no-such-set", "--reason", "x")
    assert bad.returncode == 1 and "neither a job ID nor the ScoutID" in bad.stdout, bad
    bad = operator.run("belle-admin-scouting", "fail", scout_id)
    assert bad.returncode == 1 and "needs --reason" in bad.stdout, bad


def start_agent() -> None:
    name, argv, env, _port = next(c for c in stack.components() if c[0] == AGENT)
    stack.start_component(name, argv, env)


def test_agent_killed_mid_cycle_moves_every_primary_exactly_once(analyst, jobdb, discard):
    procs.stop(AGENT)
    try:
        sets = [submit_set(analyst, "echo ok", n_primaries=40, scouts=1) for _ in range(8)]
        primaries = [j for s in sets for j in s["Primaries"]]
        discard += primaries
        scouts = [j for s in sets for j in s["Scouts"]]
        assert {s["Status"] for s in wait_all(analyst, scouts, {"Done", "Failed"}).values()} == {"Done"}
        cur = jobdb.cursor()
        ids = ",".join(map(str, primaries))

        def still_scouting() -> int:
            jobdb.commit()
            cur.execute(f"SELECT COUNT(*) FROM Jobs WHERE Status='Scouting' AND JobID IN ({ids})")
            return cur.fetchone()[0]

        assert still_scouting() == len(primaries)
        start_agent()
        deadline = time.monotonic() + 120
        while still_scouting() == len(primaries) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(procs.running_pid(AGENT), signal.SIGKILL)
        left = still_scouting()
        while procs.running_pid(AGENT) and time.monotonic() < deadline:
            time.sleep(0.05)  # the kill is delivered asynchronously
        assert left < len(primaries), "the agent moved nothing before it was killed"
        print(f"agent killed with {left}/{len(primaries)} primaries still in Scouting")
    finally:
        start_agent()
    after = wait_all(analyst, primaries, LATER | {"Failed"}, 180)
    assert {s["Status"] for s in after.values()} <= LATER, after
    for job, recs in history(analyst, primaries).items():
        moves = [r[:2] for r in recs if r[4] == AGENT]
        assert moves in ([["Checking", "Scouting"]], []), (job, recs)
