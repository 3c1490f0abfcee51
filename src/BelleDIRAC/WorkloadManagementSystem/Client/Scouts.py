"""Submitting a job set with scouts: a few small clones run first, the primaries wait for their verdict.

Used by ``gbasf2`` and the production system. :func:`scoutCount` and :func:`scoutJDL` decide, purely;
:func:`submitScoutedJobSet` submits the scouts (one parametric job, high priority, ``ScoutFlag = 1``,
``ScoutEvents`` events each, also exported to the payload as ``BELLE2_SCOUT_EVENTS``), then the
primaries with ``ScoutID`` naming them. If the primaries cannot be submitted the scouts are deleted, so a
failure never leaves half a job set behind.

Settings (Operations ``WorkloadManagement/Scouting``): ``Scouts`` (2), ``ScoutEvents`` (10), ``ScoutCPUTime``
(3600), ``MinJobs`` (smaller sets run without scouts, 10), ``DisabledGroups`` (groups that never scout).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from DIRAC import S_ERROR, S_OK
from DIRAC.Core.Utilities.ClassAd.ClassAdLight import ClassAd

from BelleDIRAC.WorkloadManagementSystem.Utilities.scout_verdict import MAX_SCOUTS, formatScoutID

SCOUT_PRIORITY = 10


@dataclass(frozen=True)
class ScoutSettings:
    scouts: int = 2
    scoutEvents: int = 10
    scoutCPUTime: int = 3600
    minJobs: int = 10
    disabledGroups: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def fromCS(cls) -> ScoutSettings:
        from DIRAC.ConfigurationSystem.Client.Helpers.Operations import Operations

        ops, section = Operations(), "WorkloadManagement/Scouting"
        return cls(
            scouts=int(ops.getValue(f"{section}/Scouts", cls.scouts)),
            scoutEvents=int(ops.getValue(f"{section}/ScoutEvents", cls.scoutEvents)),
            scoutCPUTime=int(ops.getValue(f"{section}/ScoutCPUTime", cls.scoutCPUTime)),
            minJobs=int(ops.getValue(f"{section}/MinJobs", cls.minJobs)),
            disabledGroups=frozenset(ops.getValue(f"{section}/DisabledGroups", [])),
        )


def scoutCount(nPrimaries: int, group: str, settings: ScoutSettings, noscout: bool = False) -> int:
    """How many scouts a set of ``nPrimaries`` jobs gets: 0 means submit it as is."""
    if noscout or group in settings.disabledGroups or nPrimaries < max(1, settings.minJobs):
        return 0
    return max(0, min(settings.scouts, nPrimaries, MAX_SCOUTS))


def _parameterValues(ad: ClassAd) -> list[str] | None:
    """The explicit list of a parametric JDL's ``Parameters``, or None for a counted range or no parameters."""
    if ad.lookupAttribute("Parameters") and ad.isAttributeList("Parameters"):
        return ad.getListFromExpression("Parameters")
    return None


def primaryCount(jdl: str) -> int:
    """Jobs a JDL stands for (parametric sets count their parameters)."""
    ad = ClassAd(jdl)
    values = _parameterValues(ad)
    if values is not None:
        return len(values)
    return ad.getAttributeInt("Parameters") or 1 if ad.lookupAttribute("Parameters") else 1


def scoutJDL(primaryJDL: str, nScouts: int, scoutEvents: int, cpuTime: int = 3600) -> str:
    """The JDL of ``nScouts`` scouts of ``primaryJDL``: the same payload and sandbox on a sample of its
    parameters (spread over the set, so scouts see different inputs), flagged, small and urgent.

    Scouts ask for ``cpuTime``, not the primaries' CPU time: they process a few events, and a long
    requirement would keep them waiting for the longest queues."""
    ad = ClassAd(primaryJDL)
    if not ad.isOK():
        raise ValueError("the job description is not valid JDL")
    values = _parameterValues(ad)
    if values is not None:
        step = len(values) / nScouts
        ad.insertAttributeVectorString("Parameters", [values[int(i * step)] for i in range(nScouts)])
    elif ad.lookupAttribute("Parameters"):
        ad.insertAttributeInt("Parameters", nScouts)
    elif nScouts > 1:
        ad.insertAttributeInt("Parameters", nScouts)
        ad.insertAttributeInt("ParameterStart", 0)
        ad.insertAttributeInt("ParameterStep", 1)
    ad.deleteAttribute("ScoutID")
    ad.insertAttributeInt("ScoutFlag", 1)
    ad.insertAttributeInt("ScoutEvents", scoutEvents)
    ad.insertAttributeInt("Priority", SCOUT_PRIORITY)
    ad.insertAttributeInt("CPUTime", cpuTime)
    name = ad.getAttributeString("JobName") or "job"
    ad.insertAttributeString("JobName", f"{name}-scout")
    env = ad.getListFromExpression("ExecutionEnvironment") if ad.lookupAttribute("ExecutionEnvironment") else []
    env = [e for e in env if not e.startswith("BELLE2_SCOUT_EVENTS=")] + [f"BELLE2_SCOUT_EVENTS={scoutEvents}"]
    ad.insertAttributeVectorString("ExecutionEnvironment", env)
    return ad.asJDL()


def primaryJDL(jdl: str, scoutIDs: list[int]) -> str:
    ad = ClassAd(jdl)
    ad.insertAttributeString("ScoutID", formatScoutID(scoutIDs))
    return ad.asJDL()


def _ids(value) -> list[int]:
    return [int(v) for v in (value if isinstance(value, list) else [value])]


def submitScoutedJobSet(jdl: str, group: str, noscout: bool = False, wms=None, settings: ScoutSettings | None = None):
    """Submit ``jdl`` (one job or a parametric set) with scouts when the policy asks for them.

    :return: S_OK({"Primaries": [ids], "Scouts": [ids]})
    """
    if wms is None:
        from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient

        wms = WMSClient()
    settings = settings or ScoutSettings.fromCS()
    nScouts = scoutCount(primaryCount(jdl), group, settings, noscout)
    if nScouts == 0:
        result = wms.submitJob(jdl)
        return S_OK({"Primaries": _ids(result["Value"]), "Scouts": []}) if result["OK"] else result
    try:
        scouts = wms.submitJob(scoutJDL(jdl, nScouts, settings.scoutEvents, settings.scoutCPUTime))
    except ValueError as exc:
        return S_ERROR(str(exc))
    if not scouts["OK"]:
        return S_ERROR(f"scout jobs could not be submitted: {scouts['Message']}")
    scoutIDs = _ids(scouts["Value"])
    primaries = wms.submitJob(primaryJDL(jdl, scoutIDs))
    if not primaries["OK"]:
        wms.deleteJob(scoutIDs)
        return S_ERROR(f"job set not submitted (its scouts {scoutIDs} were deleted): {primaries['Message']}")
    return S_OK({"Primaries": _ids(primaries["Value"]), "Scouts": scoutIDs})
