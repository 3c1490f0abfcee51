"""The stack's software area: what CVMFS is on the grid, a directory of basf2 releases jobs run from.

Each release is ``<area>/releases/<release>/{bin/basf2, python/basf2.py}`` with the stand-in basf2 of
``b2stack/software`` (real basf2 is not installable here). The CS names the area and the releases offered
(``/Operations/Defaults/gbasf2``), which ``gb2_check_release`` lists and ``gbasf2`` checks.
"""

from __future__ import annotations

import shutil

from b2stack import layout

RELEASES = ("light-2511-gacrux", "release-08-02-04")
DEFAULT_RELEASE = RELEASES[0]
SOURCE = layout.REPO / "b2stack" / "software"


def area():
    return layout.path("software")


def install() -> str:
    """Copy the stand-in into every release directory (cheap, so always: edits reach running stacks)."""
    for release in RELEASES:
        base = area() / "releases" / release
        (base / "bin").mkdir(parents=True, exist_ok=True)
        (base / "python").mkdir(parents=True, exist_ok=True)
        shutil.copy2(SOURCE / "basf2", base / "bin" / "basf2")
        shutil.copy2(SOURCE / "basf2.py", base / "python" / "basf2.py")
    return f"software area ready: {len(RELEASES)} releases in {area()}"


def cs_options() -> dict:
    return {"SoftwareArea": str(area()), "Releases": ", ".join(RELEASES), "DefaultRelease": DEFAULT_RELEASE}
