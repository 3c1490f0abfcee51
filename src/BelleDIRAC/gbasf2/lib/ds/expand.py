"""Turn a dataset query into file LFNs by walking the catalog one directory level at a time.

The walk only needs a ``listDir(paths)`` callable, so it is unit-tested with a dictionary standing in for
the catalog (:mod:`.catalog` gives the real one). ``listDir`` answers each path with:

* ``None`` — no such path;
* :data:`FILE` — the path is a file;
* ``(files, subdirs)`` — full LFNs of its children.
"""

from __future__ import annotations

from BelleDIRAC.gbasf2.lib.ds.query import matches, splitPattern

FILE = "FILE"


def expand(pattern: str, listDir) -> list[str]:
    """Sorted file LFNs selected by ``pattern``: a file is itself, a directory (datablock, dataset, any
    container) all files below it; ``*`` components select children at their level, and a matching
    directory at the last level contributes everything below it."""
    prefix, rest = splitPattern(pattern)
    top = listDir([prefix]).get(prefix)
    if top is None:
        return []
    if top == FILE:
        return [prefix] if not rest else []
    found: set[str] = set()
    frontier = {prefix: top}
    for depth, component in enumerate(rest):
        last = depth == len(rest) - 1
        dirs = []
        for entry in frontier.values():
            if entry in (None, FILE):
                continue
            files, subdirs = entry
            if last:
                found.update(f for f in files if matches(f, component))
            dirs.extend(d for d in subdirs if matches(d, component))
        if last:
            found.update(allFiles(dirs, listDir))
        else:
            frontier = listDir(sorted(dirs)) if dirs else {}
    if not rest:
        found.update(allFiles([prefix], listDir, {prefix: top}))
    return sorted(found)


def allFiles(dirs, listDir, known: dict | None = None) -> set[str]:
    """Every file below ``dirs`` (breadth first, one ``listDir`` call per level)."""
    found: set[str] = set()
    entries = dict(known or {})
    todo = [d for d in dirs if d not in entries]
    entries.update(listDir(todo) if todo else {})
    while entries:
        subdirs = []
        for entry in entries.values():
            if entry in (None, FILE):
                continue
            files, children = entry
            found.update(files)
            subdirs.extend(children)
        entries = listDir(sorted(subdirs)) if subdirs else {}
    return found


def topLevel(pattern: str, listDir) -> list[tuple[str, bool]]:
    """What ``gb2_ds_list`` shows for ``pattern``: ``(path, isDirectory)`` of a directory's children, or of
    the entries the last wildcard component matches (a file matches as itself)."""
    prefix, rest = splitPattern(pattern)
    frontier = listDir([prefix])
    if not rest:
        entry = frontier.get(prefix)
        if entry is None:
            return []
        if entry == FILE:
            return [(prefix, False)]
        files, subdirs = entry
        return sorted([(d, True) for d in subdirs] + [(f, False) for f in files])
    out = []
    for depth, component in enumerate(rest):
        dirs = []
        for entry in frontier.values():
            if entry in (None, FILE):
                continue
            files, subdirs = entry
            if depth == len(rest) - 1:
                out += [(f, False) for f in files if matches(f, component)]
                out += [(d, True) for d in subdirs if matches(d, component)]
            dirs.extend(d for d in subdirs if matches(d, component))
        if depth < len(rest) - 1:
            frontier = listDir(sorted(dirs)) if dirs else {}
    return sorted(out)
