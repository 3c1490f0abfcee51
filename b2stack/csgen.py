"""Writes the stack's configuration: the master CS for VO ``belle`` and the small local cfg files.

Component sections (ports aside) are taken from the ``ConfigTemplate.cfg`` files of DIRAC and of our
extensions, merged so that the highest-priority extension wins, exactly as ``dirac-install-component``
does: authorization rules and defaults stay those DIRAC and BelleDIRAC declare, not copies.
"""

from __future__ import annotations

import importlib.resources
import time
from pathlib import Path

from diraccfg import CFG

from b2stack import certs, layout, software

TORNADO_HANDLERS = "https://{host}:{port}/{system}/Tornado{name}"


def merged_template(system: str) -> CFG:
    """``<System>System/ConfigTemplate.cfg`` of DIRAC, overlaid by each extension in priority order."""
    from DIRAC.Core.Utilities.Extensions import extensionsByPriority

    cfg = CFG()
    for ext in reversed(extensionsByPriority()):
        try:
            text = importlib.resources.files(f"{ext}.{system}System").joinpath("ConfigTemplate.cfg").read_text()
        except (ModuleNotFoundError, FileNotFoundError):
            continue
        cfg = cfg.mergeWith(CFG().loadFromBuffer(text))
    return cfg


def _section(template: CFG, kind: str, name: str) -> CFG:
    sec = template.getAsCFG(f"{kind}/{name}") if template.isSection(f"{kind}/{name}") else None
    return sec.clone() if sec else CFG()


def systems_section() -> CFG:
    """``/Systems``: DBs, services (DIPS and HTTPS), executors, agents and their URLs."""
    systems: dict[str, dict] = {}
    templates: dict[str, CFG] = {}

    def sys_of(name: str) -> dict:
        if name not in templates:
            templates[name] = merged_template(name)
        return systems.setdefault(name, {"Services": {}, "Agents": {}, "Executors": {}, "Databases": {}, "URLs": {}})

    for system, db in layout.DATABASES:
        sys_of(system)["Databases"][db] = {"DBName": layout.DB_PREFIX + db}
    for component, port in layout.DIPS_SERVICES.items():
        system, name = component.split("/")
        sys_of(system)
        sec = _section(templates[system], "Services", name)
        sec.setOption("Port", str(port))
        sys_of(system)["Services"][name] = sec
        sys_of(system)["URLs"][name] = f"dips://{layout.HOST}:{port}/{component}"
    for component in layout.HTTPS_SERVICES:
        system, name = component.split("/")
        sys_of(system)
        sec = _section(templates[system], "Services", f"Tornado{name}")
        if not sec.listAll():
            sec = _section(templates[system], "Services", name)
        sec.setOption("Protocol", "https")
        sec.deleteKey("Port")
        sys_of(system)["Services"][f"Tornado{name}"] = sec
        url = TORNADO_HANDLERS.format(host=layout.HOST, port=layout.TORNADO_PORT, system=system, name=name)
        sys_of(system)["URLs"][name] = url

    wms = sys_of("WorkloadManagement")
    wms["Services"]["TornadoJobManager"].setOption("MaxParametricJobs", "10000")
    # A DIPS JobManager section too: not started by the stack, but benchmarks run ours and DIRAC's with it.
    dips_jm = _section(templates["WorkloadManagement"], "Services", "JobManager")
    dips_jm.setOption("MaxParametricJobs", "10000")
    dips_jm.setOption("Port", str(layout.BENCH_PORTS["JobManager"]))
    wms["Services"]["JobManager"] = dips_jm
    wms["Services"]["SandboxStore"].setOption("LocalSE", "ProductionSandboxSE")
    wms["Services"]["SandboxStore"].setOption("BasePath", str(layout.path("sandboxes")))
    wms_tpl = templates["WorkloadManagement"]
    for name in ("Optimizers", "JobPath", "JobSanity", "Scouting", "InputData", "JobScheduling"):
        wms["Executors"][name] = _section(wms_tpl, "Executors", name)
    jobagent = _section(wms_tpl, "Agents", "JobAgent")
    # Local pilots: poll often, never give up on an empty queue, no artificial delay between jobs.
    for opt, val in {
        "PollingTime": "1",
        "MaxMatchWait": "4",
        "SubmissionDelay": "0",
        "StopAfterFailedMatches": "1000000",
    }.items():
        jobagent.setOption(opt, val)
    wms["Agents"]["JobAgent"] = jobagent
    # A job's failover request (output kept on a failover SE) may run at once, not after DIRAC's 45 minutes.
    # The watchdog's heartbeat is also how a running job learns it was killed: every 30 minutes by default, so
    # a killed job would keep its site's only slot that long. The CPU/wall-clock check waits for its own
    # 30-minute sample whatever the period, so checking often costs one heartbeat call per job.
    wms["JobWrapper"] = {"FailoverRequestDelay": "0", "CheckingTime": "15", "MinCheckingTime": "15"}
    for component, options in layout.AGENTS.items():
        system, name = component.split("/")
        sys_of(system)
        sec = _section(templates[system], "Agents", name)
        for opt, val in options.items():
            sec.setOption(opt, val)
        sys_of(system)["Agents"][name] = sec

    out = CFG()
    out.createNewSection("Databases", "", CFG().loadFromDict(_db_credentials()))
    out.createNewSection("NoSQLDatabases", "", CFG().loadFromDict(_nosql()))
    out.createNewSection("Tornado", "", CFG().loadFromDict({"Port": str(layout.TORNADO_PORT)}))
    for system, parts in systems.items():
        sec = CFG()
        for kind, content in parts.items():
            sub = CFG()
            for key, value in content.items():
                if isinstance(value, CFG):
                    sub.createNewSection(key, "", value)
                elif isinstance(value, dict):
                    sub.createNewSection(key, "", CFG().loadFromDict(value))
                else:
                    sub.setOption(key, value)
            sec.createNewSection(kind, "", sub)
        out.createNewSection(system, "", sec)
    return out


def _db_credentials() -> dict:
    return {
        "Host": layout.MYSQL_HOST,
        "Port": str(layout.MYSQL_PORT),
        "User": layout.DB_USER,
        "Password": layout.DB_PASSWORD,
    }


def _nosql() -> dict:
    return {"Host": "127.0.0.1", "Port": str(layout.OPENSEARCH_PORT), "SSL": "False", "User": "b2", "Password": "b2"}


def registry() -> dict:
    users = {u.name: {"DN": u.dn, "Email": u.email or f"{u.name}@localhost"} for u in layout.USERS}
    groups = {}
    for group, props in layout.GROUPS.items():
        members = [u.name for u in layout.USERS if group in u.groups]
        groups[group] = {"Users": members, "Properties": props, "VO": layout.VO}
    host_props = [
        "TrustedHost", "GenericPilot", "LimitedDelegation", "FullDelegation", "ProxyManagement",
        "Operator", "JobAdministrator", "SiteManager", "CSAdministrator", "ServiceAdministrator", "ProductionManagement",
    ]  # fmt: skip
    return {
        "DefaultGroup": "belle_user",
        "VO": {layout.VO: {"VOAdmin": "b2operator", "VOMSName": layout.VO, "DefaultGroup": "belle_user"}},
        "Users": users,
        "Groups": groups,
        "Hosts": {layout.HOST: {"DN": certs.host_dn(), "Properties": host_props}},
    }


def resources() -> dict:
    sites, ses = {}, {}
    for site in layout.SITES:
        sites[site.name] = {
            "Name": site.name.split(".")[1],
            "CE": site.ce_name,
            "SE": site.se,
            "CEs": {
                site.ce_name: {
                    "CEType": "InProcess",
                    "Queues": {layout.QUEUE: {"maxCPUTime": "1000000", "SI00": "1000", "MaxTotalJobs": "100"}},
                }
            },
        }
        ses[site.se] = {
            "BackendType": "File",
            "AccessProtocols": "file",
            "WriteProtocols": "file",
            "File": {
                "Host": "",
                "PluginName": "File",
                "Protocol": "file",
                "Path": str(layout.path("storage", site.se)),
                "Access": "remote",
            },
        }
    ses["ProductionSandboxSE"] = {
        "BackendType": "DISET",
        "AccessProtocols": "dips",
        "DIP": {
            "Host": layout.HOST,
            "Port": str(layout.DIPS_SERVICES["WorkloadManagement/SandboxStore"]),
            "PluginName": "DIP",
            "Protocol": "dips",
            "Path": "/WorkloadManagement/SandboxStore",
            "Access": "remote",
        },
    }
    # Where a job's output goes when its output SE refuses it (DIRAC's JobWrapper resolves this group, local
    # SE first); the move to the output SE is then a Rucio rule (BelleDIRAC's ReplicateAndRegister).
    groups = {"Tier1-Failover": ", ".join(site.se for site in layout.SITES)}
    return {
        "Sites": {"LCG": sites},
        "StorageElements": ses,
        "StorageElementGroups": groups,
        "FileCatalogs": {CATALOG: catalog_options()},
    }


# The only catalog: Rucio through BelleDIRAC's plugin (the CatalogType DIRAC's Rucio agents recognise).
CATALOG = "RucioFileCatalog"


def catalog_options() -> dict:
    return {
        "CatalogType": "RucioFileCatalog",
        "AccessType": "Read-Write",
        "Status": "Active",
        "Master": "True",
        # Clients log in with their RUCIO_CONFIG; without one, with their proxy against this host.
        "RucioHost": f"http://127.0.0.1:{layout.RUCIO_PORT}",
    }


def operations() -> dict:
    return {
        "Defaults": {
            "ResourceStatus": {"Config": {"State": "Active"}},
            "JobDescription": {"AllowedJobTypes": ["User", "MCSimulation", "DataReconstruction", "Merge"]},
            "Services": {"Catalogs": {"CatalogList": CATALOG, CATALOG: catalog_options()}},
            # The stack's SEs speak file:// only; DataManager asks for srm/dips PFNs to register otherwise.
            "DataManagement": {"RegistrationProtocols": "file", "AccessProtocols": "file", "WriteProtocols": "file"},
            # Jobs find their input files in the job directory (DIRAC downloads them from the SE).
            "InputDataPolicy": {"Default": "DIRAC.WorkloadManagementSystem.Client.DownloadInputData"},
            # Where jobs find basf2 releases and which ones gbasf2 offers (b2stack/software.py).
            "gbasf2": software.cs_options(),
            # ScoutingJobStatusAgent's policy (these are its defaults, written out to be seen and tuned).
            "WorkloadManagement": {
                "Scouting": {
                    "SuccessFraction": "0.3",
                    "FailureFraction": "0.5",
                    "StalledIsFailure": "True",
                    "TimeoutHours": "6",
                    "OnTimeout": "fail",
                    "OnGone": "fail",
                }
            },
            # Agents that submit for the production system use this person's proxy (ProxyManager).
            "Shifter": {"ProductionManager": {"User": "b2prodmgr", "Group": "belle_prod"}},
            "Production": production_policy(),
        },
        layout.VO: {"Pilot": {"Extensions": ["Belle"]}},
    }


def production_policy() -> dict:
    """Where each data tier may be written (the wrong-destination guard) and the jobs productions share."""
    tmp = [s.se for s in layout.SITES]
    tiers = {"mdst": tmp[:2], "udst": tmp, "ntuple": tmp, "cdst": tmp[:1], "log": tmp, "raw": []}
    return {
        "DataTiers": {tier: {"AllowedSEs": ", ".join(ses)} for tier, ses in tiers.items()},
        "MaxSEFill": "0.95",
        "Capacity": "20000",
    }


def master_cs() -> CFG:
    cs_url = f"https://{layout.HOST}:{layout.CS_PORT}/Configuration/Server"
    top = {
        "DIRAC": {
            "VirtualOrganization": layout.VO,
            "Setup": layout.SETUP,
            "Configuration": {"Name": layout.SETUP, "Servers": cs_url, "MasterServer": cs_url},
        },
        "DiracX": {"DisabledVOs": layout.VO},
        "Registry": registry(),
        "Resources": resources(),
        "Operations": operations(),
    }
    cfg = CFG().loadFromDict(top)
    cfg.createNewSection("Systems", "", systems_section())
    return cfg


def local_cfgs() -> dict[str, CFG]:
    """The local cfg files: every process reads ``dirac.cfg``; servers, the CS and pilots add their own."""
    cs_url = f"https://{layout.HOST}:{layout.CS_PORT}/Configuration/Server"
    base = {
        "DIRAC": {
            "VirtualOrganization": layout.VO,
            "Setup": layout.SETUP,
            "Configuration": {"Name": layout.SETUP, "Servers": cs_url},
            "Security": {"CertFile": str(layout.HOST_CERT), "KeyFile": str(layout.HOST_KEY)},
        },
        "DiracX": {"DisabledVOs": layout.VO},
    }
    server = {"DIRAC": {"Security": {"UseServerCertificate": "yes"}}}
    cs = {
        "DIRAC": {"Configuration": {"Master": "yes", "Name": layout.SETUP}},
        "Systems": {
            "Configuration": {
                "Services": {
                    "Server": {
                        "Protocol": "https",
                        "Port": str(layout.CS_PORT),
                        "HandlerPath": "DIRAC/ConfigurationSystem/Service/TornadoConfigurationHandler.py",
                    }
                }
            }
        },
    }
    out = {"dirac.cfg": base, "server.cfg": server, "cs.cfg": cs}
    for site in layout.SITES:
        work = layout.path("pilots", site.name)
        out[f"pilot-{site.name}.cfg"] = {
            "DIRAC": {"Security": {"UseServerCertificate": "yes"}},
            "LocalSite": {
                "Site": site.name,
                "GridCE": site.ce_name,
                "CEQueue": layout.QUEUE,
                "LocalCE": "InProcess",
                "CPUTimeLeft": "1000000",
                "CPUNormalizationFactor": "10",
                "Architecture": "x86_64-debian12",
                "VirtualOrganization": layout.VO,
                "InstancePath": str(work),
                "WorkingDirectory": str(work),
            },
        }
    return {name: CFG().loadFromDict(content) for name, content in out.items()}


def write_all() -> Path:
    """Write every cfg below ``<root>/etc``; return the master CS file.

    The master CS is regenerated on every ``up`` so that a newer layout or ConfigTemplate always takes
    effect; settings of your own go in ``etc/overrides.cfg``, merged on top (they win). A master file
    that differs from the new one is kept as ``etc/csbackup/<Name>.<time>.cfg`` first.
    """
    etc = layout.path("etc")
    etc.mkdir(parents=True, exist_ok=True)
    for name, cfg in local_cfgs().items():
        (etc / name).write_text(cfg.serialize())
    fresh = master_cs()
    overrides = etc / "overrides.cfg"
    if overrides.exists():
        fresh = fresh.mergeWith(CFG().loadFromFile(str(overrides)))
    master = etc / f"{layout.SETUP}.cfg"
    text = fresh.serialize()
    if master.exists() and master.read_text() != text:
        backup = etc / "csbackup" / f"{layout.SETUP}.{time.strftime('%Y%m%d-%H%M%S')}.cfg"
        backup.parent.mkdir(exist_ok=True)
        backup.write_text(master.read_text())
    master.write_text(text)
    return master
