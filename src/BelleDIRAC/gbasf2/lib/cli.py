"""What every gb2 tool shares: options, prompts, exit codes, tables and JSON output.

Conventions (the public gbasf2 documentation's, plus what scripts rely on):
* ``-h/--help`` and ``--usage`` (longer help with examples) on every tool; ``--json`` prints the data
  behind the text, for programs.
* State-changing tools ask ``Y``/``N``; ``-f/--force`` answers yes. Without a terminal, or at end of input,
  the answer is No: a tool never hangs on a prompt.
* ``-j/--jobid`` takes IDs separated by commas or spaces (``-j 1,2 3``); ``-u/--user`` another owner.
* Exit codes: 0 success, 1 failure, 2 bad usage, 3 nothing matched, 4 refused (not allowed, or answered
  No), 5 no valid proxy. Tools that programs drive document where they deviate.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOTHING, EXIT_REFUSED, EXIT_AUTH = 0, 1, 2, 3, 4, 5


class Parser(argparse.ArgumentParser):
    """argparse with ``--usage`` (the module docstring: examples) and usage errors exiting 2."""

    def __init__(self, prog: str, doc: str, **kwargs):
        summary = doc.strip().splitlines()[0]
        super().__init__(prog=prog, description=summary, **kwargs)
        self._doc = doc
        self.add_argument("--usage", action="store_true", help="show a longer help with examples and exit")

    def parse_args(self, args=None, namespace=None):
        argv = sys.argv[1:] if args is None else list(args)
        if "--usage" in argv:
            print(self.format_help())
            print(self._doc.strip())
            sys.exit(EXIT_OK)
        return super().parse_args(argv, namespace)


def addUser(parser: Parser) -> None:
    parser.add_argument("-u", "--user", help="owner of the projects/data (default: you; 'all' for every user)")


def addForce(parser: Parser) -> None:
    parser.add_argument("-f", "--force", action="store_true", help="do not ask for confirmation")


def addJSON(parser: Parser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON (for programs)")


def addJobSelection(parser: Parser, projectNargs: str = "*") -> None:
    parser.add_argument("-p", "--project", nargs=projectNargs, default=[], help="project name(s)")
    parser.add_argument("-j", "--jobid", nargs="+", default=[], help="job IDs, comma or space separated")


def jobIDs(values) -> list[int]:
    """``["1,2", "3"]`` -> ``[1, 2, 3]``; anything that is not a job ID is a usage error."""
    out = []
    for value in values or []:
        for item in str(value).replace(",", " ").split():
            if not item.isdigit() or int(item) <= 0:
                usage(f"not a job ID: {item!r}")
            out.append(int(item))
    return sorted(set(out))


def usage(message: str) -> None:
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def fail(message: str, code: int = EXIT_FAILED) -> None:
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(code)


def confirm(question: str, force: bool = False) -> bool:
    """Ask ``question`` (Y/N) unless ``force`` (then nothing is printed: ``--json`` output stays clean);
    no terminal or end of input means No."""
    if force:
        return True
    print(question)
    if not sys.stdin or not sys.stdin.isatty():
        print("No terminal to answer on: nothing done (use -f/--force in scripts).")
        return False
    try:
        answer = input("Please enter Y or N: ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def table(columns: list[str], rows: list[list], aligns: str | None = None) -> str:
    """A text table with a ``=`` rule under the header; columns as wide as their widest cell."""
    cells = [[str(c) for c in columns]] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    aligns = aligns or "l" * len(columns)

    def line(row):
        return "   ".join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(row, widths, aligns, strict=True))

    out = [line(cells[0]).rstrip(), "=" * (sum(widths) + 3 * (len(widths) - 1))]
    out += [line(r).rstrip() for r in cells[1:]]
    return "\n".join(out)


def printJSON(value) -> None:
    print(json.dumps(value, indent=1, sort_keys=True, default=str))
