"""Authorization matrix entries for accounts (see fangxian/testing_authz.py). Accounts'
objects are the user's own (tokens, sessions) or the security admin's to manage; they are
not in the organisation's scope, so "out" means another user's token or session."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone

from fangxian.testing_authz import ROLES, Entry, expect

ALL_SIGNED_IN = dict.fromkeys(ROLES, 200)


def _owner(world, user, which):
    """The token or session owner: the caller for "in", someone else for "out"."""
    if which == "in" and user is not None:
        return user
    other = world.users["auditor"] if user is None or user != world.users["auditor"] else world.users["sysadmin"]
    return other


def _token(world, user, which):
    from fangxian.accounts.models import ApiToken

    token, _raw = ApiToken.issue(user=_owner(world, user, which), name="matrix", expires_at=timezone.now() + timedelta(days=1))
    return {"pk": token.pk}


def _login_session(world, user, which):
    from fangxian.accounts.models import LoginSession

    session = LoginSession.objects.create(user=_owner(world, user, which), session_key=secrets.token_hex(16))
    return {"pk": session.pk}


def _subject(world, user, which):
    return {"pk": world.uni.counselor_user.pk}


def _subject_role(world, user, which):
    return {"pk": world.users["leader"].pk, "role": "leader"}


def _export_approval(world, user, which):
    from fangxian.accounts.models import ExportApproval

    approval = ExportApproval.objects.create(user=world.users["office"], export="ledger", rows=9000)
    return {"pk": approval.pk}


def _approval(world, user, which):
    """A pending request of the security admin about the leader's account."""
    from fangxian.accounts import services

    approval = services.admin_reset_totp(user=world.users["leader"], by=world.users["secadmin"])
    return {"pk": approval.pk}


SECADMIN_ONLY = expect(403, secadmin=200)
SECADMIN_POST = expect(403, secadmin=302)

ENTRIES = [
    Entry("accounts:login", get=expect(302), anonymous_get=200),
    Entry("accounts:logout", get=expect(405), post=expect(302), anonymous_get=405, anonymous_post=302),
    Entry("accounts:password_change", get=ALL_SIGNED_IN, post=ALL_SIGNED_IN),
    # Already verified (privileged) or without a device (the others): sent on.
    Entry("accounts:totp_verify", get=expect(302)),
    Entry("accounts:totp_setup", get=ALL_SIGNED_IN),
    Entry("accounts:recovery_codes", get=expect(302)),
    Entry("accounts:security", get=ALL_SIGNED_IN),
    Entry(
        "accounts:token_revoke",
        get=expect(405),
        post=expect(302),
        kwargs=_token,
        out_post=expect(404),
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "accounts:session_end",
        get=expect(405),
        post=expect(302),
        kwargs=_login_session,
        out_post=expect(404),
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry("accounts:admin_users", get=SECADMIN_ONLY),
    Entry("accounts:admin_user", get=SECADMIN_ONLY, post=SECADMIN_ONLY, kwargs=_subject, scoped=False),
    Entry(
        "accounts:admin_user_revoke",
        get=expect(405),
        post=SECADMIN_POST,
        kwargs=_subject_role,
        scoped=False,
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "accounts:admin_user_toggle_active",
        get=expect(405),
        post=SECADMIN_POST,
        kwargs=_subject,
        scoped=False,
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "accounts:admin_user_reset_totp",
        get=expect(405),
        post=SECADMIN_POST,
        kwargs=_subject,
        scoped=False,
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "accounts:admin_user_initial_password",
        get=expect(405),
        post=SECADMIN_POST,
        kwargs=_subject,
        scoped=False,
        data=lambda w, u, which: {"pw-password": "Gate-Keeper-7391!"},
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry("accounts:approvals", get=expect(403, sysadmin=200, secadmin=200, auditor=200)),
    # The requester (secadmin) is sent back with the refusal; the two other admins decide.
    Entry(
        "accounts:approval_decide",
        get=expect(405),
        post=expect(403, sysadmin=302, secadmin=302, auditor=302),
        kwargs=_approval,
        scoped=False,
        data=lambda w, u, which: {"decision": "approve"},
        anonymous_get=405,
        anonymous_post=302,
    ),
    # Only a refresh token (never the session) reaches the refresh endpoint.
    Entry("api-token-refresh", get=expect(401), post=expect(401), anonymous_get=401, anonymous_post=401),
    Entry(
        "accounts:export_approvals",
        get=SECADMIN_ONLY,
        post=expect(403, secadmin=302),
        data=lambda w, u, which: {"export_approval_rows": 500},
    ),
    Entry(
        "accounts:export_decide",
        get=expect(405),
        post=SECADMIN_POST,
        kwargs=_export_approval,
        scoped=False,
        data=lambda w, u, which: {"decision": "approve"},
        anonymous_get=405,
        anonymous_post=302,
    ),
]

# Accounts from people: their own module (views_provision).
from .authz_provision import ENTRIES as PROVISION_ENTRIES  # noqa: E402

ENTRIES += PROVISION_ENTRIES
