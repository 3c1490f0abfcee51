"""DIRAC's ``File`` storage plugin, safe when several jobs write into a new directory at the same time.

DIRAC 9.1.22's ``FileStorage.putFile`` checks that the target directory exists and then creates it; when two
uploads into a new datablock (``.../sub00``) interleave, the second ``os.makedirs`` fails with "File exists"
and its upload is refused, although nothing is wrong. Creating the directories first, tolerating ones that
appear meanwhile, removes the race; the copy itself is DIRAC's.
"""

from __future__ import annotations

import os

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
