"""The code base stays black (120 columns) and ruff clean: checked on every test run, like CI."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TREES = ["src", "tests", "b2stack", "benchmarks"]


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def test_ruff_clean():
    proc = subprocess.run([_tool("ruff"), "check", *TREES], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_black_clean():
    proc = subprocess.run([_tool("black"), "--check", "-l", "120", *TREES], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
