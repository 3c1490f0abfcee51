"""Every method our handlers add says who may call it (DIRAC otherwise falls back to the CS default)."""

import inspect

from DIRAC.WorkloadManagementSystem.Service.JobManagerHandler import (
    JobManagerHandlerMixin as DIRACJobManagerHandlerMixin,
)

from BelleDIRAC.WorkloadManagementSystem.Service.JobManagerHandler import JobManagerHandlerMixin


def test_every_added_export_declares_its_authorization_and_types():
    added = [name for name in vars(JobManagerHandlerMixin) if name.startswith("export_")]
    assert added, "no exported methods found"
    for name in added:
        method = name[len("export_") :]
        if hasattr(DIRACJobManagerHandlerMixin, name):
            continue  # an override keeps DIRAC's authorization, configured in the CS
        assert getattr(JobManagerHandlerMixin, f"auth_{method}", None), f"{name} has no auth_{method}"
        assert getattr(JobManagerHandlerMixin, f"types_{method}", None) is not None, f"{name} has no types_{method}"
        assert inspect.getdoc(getattr(JobManagerHandlerMixin, name)), f"{name} has no docstring"
