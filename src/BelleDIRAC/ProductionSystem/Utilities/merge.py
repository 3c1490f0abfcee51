"""The merge step of a production: the steering file merge jobs run and where merged files go.

A merge job reads every file of one complete output datablock (``subNN``, at most 1000 files) and writes one
file into the production's merged dataset, datablock by datablock in the same order.
"""

from __future__ import annotations

import os
import tempfile

MERGE_STEERING_NAME = "belle_merge.py"
MERGE_STEERING = '''"""Merge the job's input files into one (RootInput -> RootOutput)."""
import basf2

path = basf2.create_path()
path.add_module("RootInput")
path.add_module("RootOutput", outputFileName="merged.root")
basf2.process(path)
'''


def mergeSteeringPath() -> str:
    """The merge steering written to a file of its fixed name (uploaded with the production's sandbox)."""
    directory = tempfile.mkdtemp(prefix="belle-merge-")
    path = os.path.join(directory, MERGE_STEERING_NAME)
    with open(path, "w") as fh:
        fh.write(MERGE_STEERING)
    return path


def mergedDataset(outputPath: str) -> str:
    """Merged files of ``.../<tier>`` go to ``.../<tier>_merged``: a dataset of their own, never mixed with
    the files they were made from."""
    return outputPath.rstrip("/") + "_merged"
