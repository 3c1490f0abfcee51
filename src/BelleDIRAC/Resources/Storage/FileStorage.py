"""DIRAC's ``File`` storage plugin, safe when several jobs write into a new directory at the same time.

DIRAC 9.1.22's ``FileStorage.putFile`` checks that the target directory exists and then creates it; when two
uploads into a new datablock (``.../sub00``) interleave, the second ``os.makedirs`` fails with "File exists"
and its upload is refused, although nothing is wrong. Creating the directories first, tolerating ones that
appear meanwhile, removes the race; the copy itself is DIRAC's.

``getOccupancy`` reports the file system's real size and free space: DIRAC's generic version reads an
``occupancy.json`` that nobody writes on a plain disk, and the production system chooses destinations by
free space.
"""

from __future__ import annotations

import os
import shutil

from DIRAC import S_ERROR, S_OK
from DIRAC.Resources.Storage.FileStorage import FileStorage as DIRACFileStorage


class FileStorage(DIRACFileStorage):
    def putFile(self, path, sourceSize=0):
        if isinstance(path, dict):
            for destination in path:
                try:
                    os.makedirs(os.path.dirname(destination), exist_ok=True)
                except OSError:
                    pass  # DIRAC's putFile reports the problem for this file
        return super().putFile(path, sourceSize)

    def getOccupancy(self, **kwargs):
        """``{"Total", "Free"}`` in bytes (StorageElement converts units) of the file system holding the SE
        (the SE's directory is made on the first write: until then, its nearest existing parent's)."""
        path = self.basePath
        while not os.path.exists(path) and os.path.dirname(path) != path:
            path = os.path.dirname(path)
        try:
            usage = shutil.disk_usage(path)
        except OSError as exc:
            return S_ERROR(f"cannot read the occupancy of {self.basePath}: {exc}")
        return S_OK({"Total": usage.total, "Free": usage.free})
