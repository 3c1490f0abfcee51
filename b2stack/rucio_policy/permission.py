"""Where the stack's Rucio differs from Rucio's generic permissions (everything else falls back to them).

Belle II's TMP SEs are scratch space users write to (DIRAC lets any NormalUser upload there). Rucio's
generic policy lets non-admins add replicas only on RSEs named ``*SCRATCHDISK``/``*USERDISK``; here an RSE
with the attribute ``user_writable=True`` plays that role, so the RSEs keep the DIRAC SE names.
"""

from __future__ import annotations

USER_WRITABLE = "user_writable"


def has_permission(issuer, action: str, kwargs: dict, session=None):
    """True where this policy decides; None lets Rucio use its generic rule."""
    if action == "add_replicas" and kwargs.get("rse_id"):
        from rucio.core.rse import list_rse_attributes

        if str(list_rse_attributes(kwargs["rse_id"], session=session).get(USER_WRITABLE)).lower() == "true":
            return True
    return None
