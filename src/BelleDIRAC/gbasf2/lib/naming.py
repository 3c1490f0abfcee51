"""gbasf2 names: projects, their datasets, and output files. Pure: strings in, strings out.

* A **project** is unique per user, at most 32 characters of ``[A-Za-z0-9_-]`` (``.``, ``$``, ``/`` ... break
  file names and metadata). It is the DIRAC ``JobGroup`` of its jobs.
* Its **dataset** is ``/belle/user/<user>/<project>`` (or a group LPN given with ``--output_ds``); outputs
  go to ``subNN`` datablocks of at most 1000 files, output number ``NNNNN`` into ``sub<NNNNN // 1000>``.
* An **output file** is ``<stem>_<NNNNN>_job<JobID>_<RR><exts>``: ``NNNNN`` the job's index in the
  project, ``RR`` its reschedule count (two digits, so string order is numeric order), ``exts`` everything
  from the first dot after the first character (``x.udst.root`` -> ``x_00003_job42_00.udst.root``), which
  is what b2luigi's ``<stem>_*<exts>`` queries expect.
"""

from __future__ import annotations

import posixpath
import re

from BelleDIRAC.Resources.Catalog import lfn_naming

MAX_PROJECT = 32
_PROJECT = re.compile(r"^[A-Za-z0-9_-]+$")
_OUTPUT = re.compile(r"^(?P<key>.+_\d{5}_job\d+)_(?P<rr>\d{2})(?P<exts>\..+)?$")
USER_ROOT = "/belle/user"


class NamingError(ValueError):
    """A name that must be refused; the message says why."""


def validateProject(name: str) -> str:
    if not name:
        raise NamingError("a project name is required (-p/--project)")
    if len(name) > MAX_PROJECT:
        raise NamingError(f"project name {name[:40]!r} is too long (max {MAX_PROJECT} characters)")
    if not _PROJECT.match(name):
        raise NamingError(f"project name {name!r} may only contain letters, digits, '_' and '-'")
    return name


def userDataset(user: str, project: str) -> str:
    return f"{USER_ROOT}/{user}/{validateProject(project)}"


def resolveLPN(path: str, user: str) -> str:
    """An absolute LPN for what the user typed: a bare project name or relative path is under
    ``/belle/user/<user>``. ``*`` wildcards are kept; the rest must be a valid Belle II path."""
    path = (path or "").strip()
    if not path:
        raise NamingError("no dataset or file given")
    if not path.startswith("/"):
        path = f"{USER_ROOT}/{user}/{path}"
    path = path.rstrip("/") or "/"
    try:
        lfn_naming.validateLFN(path.replace("*", "x").replace("?", "x"))
    except lfn_naming.LFNError as exc:
        raise NamingError(str(exc)) from None
    return path


def splitExts(fileName: str) -> tuple[str, str]:
    """``("x", ".udst.root")`` for ``x.udst.root``: the extensions start at the first non-leading dot."""
    dot = fileName.find(".", 1)
    return (fileName, "") if dot < 0 else (fileName[:dot], fileName[dot:])


def outputName(fileName: str, index: int, jobID: int, rescheduled: int) -> str:
    stem, exts = splitExts(posixpath.basename(fileName))
    return f"{stem}_{index:05d}_job{int(jobID)}_{min(int(rescheduled), 99):02d}{exts}"


def datablockFor(index: int) -> str:
    return f"sub{index // lfn_naming.MAX_DATABLOCK_FILES:02d}"


def outputLFN(dataset: str, fileName: str, index: int, jobID: int, rescheduled: int) -> str:
    return f"{dataset}/{datablockFor(index)}/{outputName(fileName, index, jobID, rescheduled)}"


def newestOnly(lfns) -> list[str]:
    """Keep, per job output, only the newest reschedule (``_RR``); other names are kept as they are."""
    best: dict[tuple[str, str, str], tuple[str, str]] = {}
    others = []
    for lfn in lfns:
        directory, name = posixpath.split(lfn)
        match = _OUTPUT.match(name)
        if not match:
            others.append(lfn)
            continue
        key = (directory, match["key"], match["exts"] or "")
        if key not in best or match["rr"] > best[key][0]:
            best[key] = (match["rr"], lfn)
    return sorted(others + [lfn for _rr, lfn in best.values()])
