"""Where the stack's Rucio differs from Rucio's generic permissions (everything else falls back to them).

* Belle II's TMP SEs are scratch space users write to (DIRAC lets any NormalUser upload there). Rucio's
  generic policy lets non-admins add replicas only on RSEs named ``*SCRATCHDISK``/``*USERDISK``; here an
  RSE with the attribute ``user_writable=True`` plays that role, so the RSEs keep the DIRAC SE names.
* On such an RSE a user may also delete replicas of files in scopes they own: DIRAC's DataManager removes
  the bytes with the user's proxy and then asks the catalog to forget the replica. Rucio hands this
  decision only the RSE, so the files are read from the request being served (the REST body). Admin
  accounts (DIRAC's service account, acting for the RequestExecutingAgent, e.g. dropping a job's failover
  copy once its rule is fulfilled) may delete replicas there too; generic Rucio lets nobody do it.
* An account may delete or update its own replication rules (generic: admins only), as gb2 users
  manage the rules that move their datasets.
* DIRAC's service account (an admin SERVICE account) reports what the storage says of each RSE's usage
  (BelleDIRAC's SEUsageAgent); generic Rucio lets only root do it.
"""

from __future__ import annotations

USER_WRITABLE = "user_writable"


def _userWritable(rse_id, session) -> bool:
    from rucio.core.rse import list_rse_attributes

    return str(list_rse_attributes(rse_id, session=session).get(USER_WRITABLE)).lower() == "true"


def _requestedScopes() -> set[str] | None:
    """Scopes of the files in the REST request being served; None outside a request or if unreadable."""
    try:
        import flask

        if not flask.has_request_context():
            return None
        body = flask.request.get_json(silent=True, force=True) or {}
        files = body.get("files") or []
        return {f["scope"] for f in files} if files else None
    except Exception:
        return None


def _ownsAll(issuer, scopes: set[str], session) -> bool:
    from rucio.common.types import InternalScope
    from rucio.core.scope import is_scope_owner

    return all(is_scope_owner(InternalScope(s, vo=issuer.vo), issuer, session=session) for s in scopes)


def _isAdmin(issuer, session) -> bool:
    from rucio.core.account import has_account_attribute

    return bool(has_account_attribute(account=issuer, key="admin", session=session))


def _isServiceAdmin(issuer, session) -> bool:
    from rucio.core.account import get_account
    from rucio.db.sqla.constants import AccountType

    try:
        return get_account(issuer, session=session).account_type == AccountType.SERVICE and _isAdmin(issuer, session)
    except Exception:
        return False


def _ownsRule(issuer, rule_id, session) -> bool:
    from rucio.core.rule import get_rule

    try:
        return get_rule(rule_id, session=session)["account"] == issuer
    except Exception:
        return False


def has_permission(issuer, action: str, kwargs: dict, session=None):
    """True where this policy decides; None lets Rucio use its generic rule."""
    if action == "set_rse_usage" and _isServiceAdmin(issuer, session):
        return True
    if action == "add_replicas" and kwargs.get("rse_id") and _userWritable(kwargs["rse_id"], session):
        return True
    if action == "delete_replicas" and kwargs.get("rse_id") and _userWritable(kwargs["rse_id"], session):
        if _isAdmin(issuer, session):
            return True
        scopes = _requestedScopes()
        if scopes and _ownsAll(issuer, scopes, session):
            return True
    if (
        action in ("del_rule", "update_rule")
        and kwargs.get("rule_id")
        and _ownsRule(issuer, kwargs["rule_id"], session)
    ):
        # owners may drop a rule or change its lifetime/comment, not its locking, account or RSEs
        return action == "del_rule" or set(kwargs.get("options") or {}) <= {"lifetime", "comment"}
    return None
