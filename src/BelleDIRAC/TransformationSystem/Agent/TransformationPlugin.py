"""DIRAC's TransformationPlugin plus the Belle II plugins, loaded with ``PluginLocation`` set to this module.

DIRAC's plugins group files by replica location only, so one task could take files from several ``subNN``
datablocks; a merge or replication task must stay inside one datablock (it is one Rucio dataset). The
Belle II plugins group with :mod:`..Utilities.datablocks` and, for ``BelleDestination``, pick the target SE
with :mod:`..Utilities.destination` from numbers that the agent creating the transformation stored in its
parameters. The plugins do no I/O of their own: everything comes from ``self.data``, ``self.files`` and
``self.params``. Enable them in ``Operations/Transformations/AllowedPlugins`` like any DIRAC plugin.

As in DIRAC's ``Standard`` plugin, a short task is only created when the transformation is flushed, or here
also when its datablock is closed (a later ``subNN`` of the same dataset is among the input files:
datablocks are never reopened); otherwise its files wait for more files of that datablock.
"""

from __future__ import annotations

import json

from DIRAC import S_ERROR, S_OK
from DIRAC.TransformationSystem.Agent.TransformationPlugin import TransformationPlugin as DIRACTransformationPlugin

from BelleDIRAC.Resources.Catalog.lfn_naming import datablockOf
from BelleDIRAC.TransformationSystem.Utilities.datablocks import closedDatablocks, groupByDatablock
from BelleDIRAC.TransformationSystem.Utilities.destination import chooseDestination

DEFAULT_GROUP_SIZE = 1000
DEFAULT_MAX_FILL = 0.95
UNKNOWN_SE = "Unknown"  # what DIRAC's task manager reads as "no SE constraint"


class TransformationPlugin(DIRACTransformationPlugin):
    """DIRAC's plugins (``Standard``, ``Broadcast``, ...) and ``BelleDatablock``, ``BelleDestination``."""

    def _BelleDatablock(self):
        """Tasks of at most ``GroupSize`` files of one datablock, targeted at the SEs holding all of them.

        The target is the comma-joined, sorted intersection of the files' replica SEs (as ``Standard`` gives
        its groups), or ``Unknown`` when no SE holds every file of the task.
        """
        res = self._datablockTasks()
        if not res["OK"]:
            return res
        return S_OK([(self._commonSEs(lfns), lfns) for lfns in res["Value"]])

    def _BelleDestination(self):
        """Like ``BelleDatablock``, but each task's target SE is chosen among ``DestinationSEs``.

        Parameters (transformation parameters, stored by the agent that creates the transformation):

        * ``DestinationSEs``: comma-separated candidate SEs (required);
        * ``SEUsage``: JSON ``{SE: [usedBytes, totalBytes]}`` (required; SEs without it are not used);
        * ``SEWeights``: JSON ``{SE: weight}`` (optional, default 1.0 each);
        * ``MaxFill``: fill fraction at which an SE stops receiving data (optional, default 0.95).

        Tasks are placed one after the other with :func:`chooseDestination`; the ``FileSize`` of their files
        (from ``self.files``, when known) is added to the chosen SE's usage, so a large batch spreads over the
        SEs instead of piling onto the first. Tasks that fit nowhere are left out (their files stay Unused);
        if no task fits at all, S_ERROR says why.
        """
        candidates = sorted({se.strip() for se in str(self.params.get("DestinationSEs") or "").split(",")} - {""})
        if not candidates:
            return S_ERROR("BelleDestination: the transformation has no DestinationSEs parameter")
        usage, weights = self._jsonParam("SEUsage"), self._jsonParam("SEWeights", {})
        for name, value in (("SEUsage", usage), ("SEWeights", weights)):
            if not value["OK"]:
                return S_ERROR(f"BelleDestination: {name}: {value['Message']}")
        try:
            usage = {se: (int(used), int(total)) for se, (used, total) in usage["Value"].items()}
        except (TypeError, ValueError):
            return S_ERROR("BelleDestination: SEUsage must map each SE to [usedBytes, totalBytes]")
        weights, maxFill = weights["Value"], float(self.params.get("MaxFill", DEFAULT_MAX_FILL))
        res = self._datablockTasks()
        if not res["OK"]:
            return res
        sizes = {f["LFN"]: int(f.get("FileSize") or 0) for f in (self.files or []) if "LFN" in f}
        tasks = []
        for lfns in res["Value"]:
            target = chooseDestination(candidates, usage, weights, maxFill=maxFill)
            if target is None:
                break
            used, total = usage[target]
            usage[target] = (used + sum(sizes.get(lfn, 0) for lfn in lfns), total)
            tasks.append((target, lfns))
        left = len(res["Value"]) - len(tasks)
        if left and not tasks:
            return S_ERROR(
                f"BelleDestination: no destination SE fits: none of {','.join(candidates)} has known usage "
                f"(SEUsage), a positive weight and a fill below {maxFill:.0%}"
            )
        if left:
            self.util.logWarn(f"BelleDestination: {left} task(s) left out, all DestinationSEs are full")
        return S_OK(tasks)

    # helpers

    def _datablockTasks(self):
        """S_OK(list of LFN lists): ``self.data`` grouped by datablock, short groups only when due."""
        groupSize = self.util.getPluginParam("GroupSize", DEFAULT_GROUP_SIZE)  # as Standard: CS, then params
        if groupSize < 1:
            return S_ERROR(f"{self.plugin}: GroupSize must be at least 1, not {groupSize}")
        strays = sorted(lfn for lfn in self.data if datablockOf(lfn) is None)
        if strays:
            self.util.logWarn(f"{self.plugin}: {len(strays)} file(s) not in a subNN datablock left out", strays[0])
        lfns = [lfn for lfn in self.data if datablockOf(lfn) is not None]
        flush = self.params.get("Status") == "Flush"
        closed = closedDatablocks({datablockOf(lfn) for lfn in lfns})
        tasks = [
            task
            for task in groupByDatablock(lfns, groupSize)
            if flush or len(task) >= groupSize or datablockOf(task[0]) in closed
        ]
        return S_OK(tasks)

    def _commonSEs(self, lfns: list[str]) -> str:
        common = set(self.data[lfns[0]])
        for lfn in lfns[1:]:
            common &= set(self.data[lfn])
        return ",".join(sorted(common)) or UNKNOWN_SE

    def _jsonParam(self, name: str, default=None):
        """S_OK(dict) from a parameter holding JSON (or already a dict); ``default`` when it is not set."""
        value = self.params.get(name)
        if value in (None, ""):
            return S_OK(default) if default is not None else S_ERROR("parameter not set")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                return S_ERROR(f"not valid JSON ({exc})")
        if not isinstance(value, dict):
            return S_ERROR(f"expected a JSON object, got {type(value).__name__}")
        return S_OK(value)
