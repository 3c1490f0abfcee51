"""Shared test set-up: DIRAC's test cfg rules and the unit/integration split.

Unit tests (``tests/unit``) never need a server. Integration tests (``tests/integration``) talk to the
live stack; their session fixture lives in ``tests/integration/conftest.py``.
"""

import os

import pytest

# DIRAC must never read the base interpreter's etc/dirac.cfg or a stray ~/.dirac.cfg during tests.
os.environ.setdefault("DIRAC_ROOT_PATH", os.path.join(os.path.dirname(__file__), "..", ".stack"))
for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(var, None)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
