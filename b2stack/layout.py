"""Where the local stack lives and what it is made of: one place for names, ports, users and sites.

Everything the stack writes goes below ``STACK_ROOT`` (default ``<repo>/.stack``), so ``down`` and a
re-run never touch anything else. Ports sit in the 19xxx range to stay clear of a real DIRAC (91xx,
8443) on the same machine; each can be moved with an environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROOT = Path(os.environ.get("B2_STACK_ROOT", REPO / ".stack")).resolve()
VENV = Path(os.environ.get("B2_VENV", REPO / ".venv"))

SETUP = "Belle-Local"
VO = "belle"
HOST = "localhost"
DB_PREFIX = os.environ.get("B2_DB_PREFIX", "b2dev_")
DB_USER = os.environ.get("B2_DB_USER", "b2dirac")
DB_PASSWORD = os.environ.get("B2_DB_PASSWORD", "b2dirac-local")
MYSQL_HOST = os.environ.get("B2_MYSQL_HOST", "127.0.0.1")
MYSQL_PORT = int(os.environ.get("B2_MYSQL_PORT", "3306"))


def _port(name: str, default: int) -> int:
    return int(os.environ.get(f"B2_PORT_{name.upper()}", default))


CS_PORT = _port("cs", 19135)
TORNADO_PORT = _port("tornado", 18443)
OPENSEARCH_PORT = _port("opensearch", 19200)

# DIPS services: those without a Tornado handler, and SandboxStore (its DIPS storage plugin is the one
# that can also serve downloads).
DIPS_SERVICES = {
    "WorkloadManagement/Matcher": _port("matcher", 19170),
    "WorkloadManagement/PilotManager": _port("pilotmanager", 19171),
    "WorkloadManagement/OptimizationMind": _port("optimizationmind", 19175),
    "WorkloadManagement/SandboxStore": _port("sandboxstore", 19196),
    "Accounting/DataStore": _port("datastore", 19133),
}

# Ports of components that only benchmarks start (ours and vanilla DIRAC side by side).
BENCH_PORTS = {"JobManager": _port("bench_jobmanager", 19132), "VanillaJobManager": _port("bench_vanilla", 19137)}

# Services served by the one tornado-start-all process.
HTTPS_SERVICES = [
    "Framework/ProxyManager",
    "WorkloadManagement/JobManager",
    "WorkloadManagement/JobMonitoring",
    "WorkloadManagement/JobStateUpdate",
    "WorkloadManagement/WMSAdministrator",
    "ResourceStatus/ResourceStatus",
    "ResourceStatus/ResourceManagement",
    "RequestManagement/ReqManager",
    "Transformation/TransformationManager",
    "Production/ProductionManager",
]

# Agents the stack runs all the time, with the options that differ from their ConfigTemplate defaults.
AGENTS = {
    "WorkloadManagement/StalledJobAgent": {"PollingTime": "600"},
    "WorkloadManagement/JobCleaningAgent": {"PollingTime": "3600"},
    "WorkloadManagement/ScoutingJobStatusAgent": {"PollingTime": "10"},
    # DIRAC's default pool of 50 worker processes is sized for a central server, not a 2-core machine.
    "RequestManagement/RequestExecutingAgent": {"PollingTime": "10", "MinProcess": "2", "MaxProcess": "2"},
    "DataManagement/SEUsageAgent": {"PollingTime": "60"},
    # The production system: short cycles on the test stack so a small production completes in minutes.
    "Production/ProductionValidationAgent": {"PollingTime": "10"},
    "Production/ProductionSubmissionAgent": {"PollingTime": "10"},
    "Production/ProductionMonitoringAgent": {"PollingTime": "10", "BackoffBase": "5"},
    "Production/ProductionMergeAgent": {"PollingTime": "15"},
    "Production/ProductionCleaningAgent": {"PollingTime": "30"},
}

# MySQL databases: (system, DIRAC DB name). Each is created as DB_PREFIX + name.
DATABASES = [
    ("Framework", "ProxyDB"),
    ("WorkloadManagement", "JobDB"),
    ("WorkloadManagement", "JobLoggingDB"),
    ("WorkloadManagement", "PilotAgentsDB"),
    ("WorkloadManagement", "SandboxMetadataDB"),
    ("WorkloadManagement", "TaskQueueDB"),
    ("ResourceStatus", "ResourceStatusDB"),
    ("ResourceStatus", "ResourceManagementDB"),
    ("RequestManagement", "ReqDB"),
    ("Accounting", "AccountingDB"),
    ("Transformation", "TransformationDB"),
    ("Production", "ProductionDB"),
]


@dataclass(frozen=True)
class User:
    """A person of the test VO: one certificate, one or more groups (the first is the default)."""

    name: str
    groups: tuple[str, ...]
    email: str = ""

    @property
    def dn(self) -> str:
        return f"/O={SETUP}/CN={self.name}"


USERS = [
    User("b2analyst", ("belle_user",)),
    User("b2analyst2", ("belle_user",)),
    User("b2prodmgr", ("belle_prod", "belle_user")),
    User("b2operator", ("belle_admin", "belle_shifter", "belle_user", "belle_pilot")),
]

# Group properties follow what DIRAC's Properties mean, not what is convenient for tests.
GROUPS = {
    "belle_user": ["NormalUser"],
    "belle_prod": ["NormalUser", "ProductionManagement"],
    "belle_shifter": ["NormalUser", "Operator"],
    "belle_admin": [
        "NormalUser",
        "Operator",
        "JobAdministrator",
        "ServiceAdministrator",
        "CSAdministrator",
        "SiteManager",
        "ProxyManagement",
        "FullDelegation",
    ],
    "belle_pilot": ["GenericPilot", "LimitedDelegation"],
}


@dataclass(frozen=True)
class Site:
    """A test site: one CE with one queue, run on this machine by a local JobAgent, and one disk SE."""

    name: str
    se: str
    ce: str = field(default="")

    @property
    def ce_name(self) -> str:
        return self.ce or f"ce.{self.name.split('.')[1].lower()}.local"


SITES = [
    Site("LCG.KEK.jp", "KEK-TMP-SE"),
    Site("LCG.DESY.de", "DESY-TMP-SE"),
    Site("LCG.CNAF.it", "CNAF-TMP-SE"),
]
QUEUE = "long"


def path(*parts: str) -> Path:
    """A path below the stack root."""
    return ROOT.joinpath(*parts)


CERT_DIR = path("etc", "grid-security", "certificates")
HOST_CERT = path("etc", "grid-security", "hostcert.pem")
HOST_KEY = path("etc", "grid-security", "hostkey.pem")
LOG_DIR = path("log")
RUN_DIR = path("run")


def user_dir(user: str) -> Path:
    return path("user", user)


def proxy_file(user: str, group: str) -> Path:
    return user_dir(user) / f"proxy-{group}.pem"


# Rucio (b2stack/rucio.py): the server has a venv of its own (its pins clash with rucio-clients in VENV), a
# PostgreSQL database of the stack's (Rucio's JSON metadata needs PostgreSQL, not SQLite or MariaDB), a
# memcached of its own and a REST port in the stack's range.
RUCIO_VENV = Path(os.environ.get("B2_RUCIO_VENV", REPO / ".venv-rucio"))
RUCIO_PORT = _port("rucio", 18445)
RUCIO_MEMCACHED_PORT = _port("rucio_memcached", 11311)
PG_HOST = os.environ.get("B2_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("B2_PG_PORT", "5432"))
PG_USER = os.environ.get("B2_PG_USER", "postgres")
RUCIO_DB = DB_PREFIX + "rucio"
# What DIRAC's own processes (services, agents, pilots and their jobs) log in to Rucio with: the service
# account. Users' shells point RUCIO_CONFIG at their own file (see b2stack/rucio.py).
RUCIO_SERVICE_CFG = ROOT / "etc" / "rucio" / "service-client.cfg"
