"""The ``belle-prod-*`` commands of production managers (one function per console entry point).

  belle-prod-validate <definition.yaml>        check a definition file offline (schema, steering file)
  belle-prod-add <definition.yaml> [--start]   add a production (guards: destination SEs, duplicates)
  belle-prod-start|stop|resume|clean <ID>      change a production's state
  belle-prod-status <ID> [--json]              state, tasks, failures per site and reason
  belle-prod-list [-s <status>] [--json]       productions

Exit codes: 0 done, 1 failed, 2 bad usage, 3 no such production, 4 refused (a guard or the state machine).
"""

from __future__ import annotations

import json
import sys

from BelleDIRAC.gbasf2.lib import cli

STATE_ACTIONS = {"start": "validate", "stop": "stop", "resume": "resume", "clean": "clean"}


def _init():
    from BelleDIRAC.Client.helpers.common import initializeCS

    initializeCS()
    from BelleDIRAC.ProductionSystem.Client.ProductionClient import ProductionClient

    return ProductionClient()


def _fail(message: str, code: int) -> None:
    """Exit with the server's reason; a refused proxy gets the remedy, not just DIRAC's 'Permission denied'."""
    if "Permission denied" in message or "Unauthorized" in message:
        message += "\nonly production managers may do this: gb2_proxy_init -g belle_prod"
        code = cli.EXIT_REFUSED
    cli.fail(message, code)


def validate(argv=None) -> int:
    """belle-prod-validate: check a production definition file without contacting any server."""
    p = cli.Parser("belle-prod-validate", __doc__)
    p.add_argument("definition", help="YAML or JSON production definition")
    cli.addJSON(p)
    args = p.parse_args(argv)
    from BelleDIRAC.ProductionSystem.Utilities import definition

    try:
        defn = definition.load(args.definition)
    except definition.DefinitionError as exc:
        cli.fail(f"{args.definition}: {exc}", cli.EXIT_REFUSED)
    if args.json:
        cli.printJSON(defn)
    else:
        count = f", {definition.taskCount(defn)} jobs" if defn["type"] == definition.MC else ""
        print(f"{args.definition}: valid {defn['type']} production {defn['name']!r}{count}")
    return cli.EXIT_OK


def add(argv=None) -> int:
    """belle-prod-add: add a production (and start it with --start)."""
    p = cli.Parser("belle-prod-add", __doc__)
    p.add_argument("definition", help="YAML or JSON production definition")
    p.add_argument("--start", action="store_true", help="start validation by scouts at once")
    cli.addJSON(p)
    args = p.parse_args(argv)
    client = _init()
    res = client.addFromFile(args.definition)
    if not res["OK"]:
        refused = any(word in res["Message"] for word in ("refused", "same", "invalid"))
        _fail(res["Message"], cli.EXIT_REFUSED if refused else cli.EXIT_FAILED)
    prodID = res["Value"]
    state = "New"
    if args.start:
        started = client.setBelleProductionState(prodID, "validate")
        if not started["OK"]:
            _fail(f"production {prodID} added but not started: {started['Message']}", cli.EXIT_FAILED)
        state = started["Value"]
    if args.json:
        cli.printJSON({"ProductionID": prodID, "Status": state})
    else:
        print(f"Production {prodID} added ({state})")
    return cli.EXIT_OK


def _stateCommand(name: str, argv) -> int:
    p = cli.Parser(f"belle-prod-{name}", __doc__)
    p.add_argument("production", type=int, help="production ID")
    args = p.parse_args(argv)
    res = _init().setBelleProductionState(args.production, STATE_ACTIONS[name])
    if not res["OK"]:
        _fail(res["Message"], cli.EXIT_NOTHING if res["Message"].startswith("no production") else cli.EXIT_REFUSED)
    print(f"Production {args.production}: {res['Value']}")
    return cli.EXIT_OK


def start(argv=None) -> int:
    """belle-prod-start: New -> Validating (scouts run, then Active)."""
    return _stateCommand("start", argv)


def stop(argv=None) -> int:
    """belle-prod-stop: no more submissions; jobs in flight finish."""
    return _stateCommand("stop", argv)


def resume(argv=None) -> int:
    """belle-prod-resume: a stopped production goes on (back to validation if it had not passed it)."""
    return _stateCommand("resume", argv)


def clean(argv=None) -> int:
    """belle-prod-clean: remove a finished production's outputs, jobs and tasks."""
    return _stateCommand("clean", argv)


def status(argv=None) -> int:
    """belle-prod-status: a production's state, tasks and failures per site and reason."""
    p = cli.Parser("belle-prod-status", __doc__)
    p.add_argument("production", type=int, help="production ID")
    cli.addJSON(p)
    args = p.parse_args(argv)
    client = _init()
    res = client.getBelleProduction(args.production)
    if not res["OK"]:
        cli.fail(res["Message"], cli.EXIT_NOTHING if res["Message"].startswith("no production") else cli.EXIT_FAILED)
    prod = res["Value"]
    from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient

    tasks = {}
    for key in ("TransformationID", "MergeTransformationID"):
        if prod[key]:
            stats = TransformationClient().getTransformationTaskStats(prod[key])
            tasks[key] = {k: v for k, v in (stats.get("Value") or {}).items() if k != "TotalCreated"}
    failures = client.getFailureStatistics(args.production).get("Value") or []
    if args.json:
        prod["Definition"] = json.loads(prod["Definition"])
        cli.printJSON({"Production": prod, "Tasks": tasks, "Failures": [list(row) for row in failures]})
        return cli.EXIT_OK
    from BelleDIRAC.ProductionSystem.Utilities.failure_classifier import formatStatistics, statistics

    print(f"Production {prod['ProductionID']} {prod['ProductionName']}: {prod['Status']}"
          + (f" ({prod['Reason']})" if prod["Reason"] else ""))  # fmt: skip
    print(
        f"  type {prod['Type']}, campaign {prod['Campaign']}, priority {prod['Priority']}, output {prod['OutputPath']}"
    )
    for key, stats in tasks.items():
        label = "merge tasks" if key.startswith("Merge") else "tasks"
        print(f"  {label} (transformation {prod[key]}): " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())))
    if failures:
        rows = [(site, category) for site, category, count in failures for _ in range(int(count))]
        print("Failures per site and reason:")
        print(formatStatistics(statistics(rows)))
    return cli.EXIT_OK


def list_(argv=None) -> int:
    """belle-prod-list: productions, optionally of some states."""
    p = cli.Parser("belle-prod-list", __doc__)
    p.add_argument("-s", "--status", action="append", help="only productions in this state (repeatable)")
    cli.addJSON(p)
    args = p.parse_args(argv)
    res = _init().getBelleProductions({"Status": args.status} if args.status else {})
    if not res["OK"]:
        cli.fail(res["Message"])
    prods = res["Value"]
    if args.json:
        cli.printJSON([{k: v for k, v in p.items() if k != "Definition"} for p in prods])
        return cli.EXIT_OK if prods else cli.EXIT_NOTHING
    if not prods:
        print("No productions")
        return cli.EXIT_NOTHING
    rows = [[p["ProductionID"], p["ProductionName"], p["Type"], p["Campaign"], p["Priority"], p["Status"]]
            for p in prods]  # fmt: skip
    print(cli.table(["ID", "Name", "Type", "Campaign", "Priority", "Status"], rows))
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(status())
