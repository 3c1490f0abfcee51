"""Rucio's generic schema, unchanged: present so Rucio does not warn at every start that it falls back."""

from rucio.common.schema.generic import *  # noqa: F401,F403
