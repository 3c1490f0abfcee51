"""Every method our handlers add says who may call it (DIRAC otherwise falls back to the CS default)."""

import inspect

import pytest
from DIRAC.ProductionSystem.Service.ProductionManagerHandler import (
    ProductionManagerHandlerMixin as DIRACProductionManagerHandlerMixin,
)
from DIRAC.WorkloadManagementSystem.Service.JobManagerHandler import (
    JobManagerHandlerMixin as DIRACJobManagerHandlerMixin,
)

from BelleDIRAC.ProductionSystem.Service.ProductionManagerHandler import ProductionManagerHandlerMixin
from BelleDIRAC.WorkloadManagementSystem.Service.JobManagerHandler import JobManagerHandlerMixin

HANDLERS = [(JobManagerHandlerMixin, DIRACJobManagerHandlerMixin),
            (ProductionManagerHandlerMixin, DIRACProductionManagerHandlerMixin)]  # fmt: skip


@pytest.mark.parametrize("ours,dirac", HANDLERS, ids=lambda c: c.__module__.split(".")[1])
def test_every_added_export_declares_its_authorization_and_types(ours, dirac):
    added = [name for name in vars(ours) if name.startswith("export_")]
    assert added, "no exported methods found"
    for name in added:
        method = name[len("export_") :]
        if hasattr(dirac, name):
            continue  # an override keeps DIRAC's authorization, configured in the CS
        assert getattr(ours, f"auth_{method}", None), f"{name} has no auth_{method}"
        assert getattr(ours, f"types_{method}", None) is not None, f"{name} has no types_{method}"
        assert inspect.getdoc(getattr(ours, name)), f"{name} has no docstring"


def test_production_changes_are_for_production_managers_only():
    """Reads are open to every authenticated user; anything that changes a production or its tasks is not."""
    reads = {"getBelleProductions", "getTaskAttempts", "getFailureStatistics", "getFailedJobs", "getOutputs"}
    for name in vars(ProductionManagerHandlerMixin):
        if name.startswith("auth_"):
            expected = ["authenticated"] if name[5:] in reads else ["ProductionManagement"]
            assert getattr(ProductionManagerHandlerMixin, name) == expected, name
