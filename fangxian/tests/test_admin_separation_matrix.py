"""The 三权分立 part of the authorization matrix: every admin × every account one admin must not
take over alone × every action the security admin's pages offer.

The system and audit admins never reach the pages (403). The security admin is refused
(and the refusal recorded) when it grants itself or another admin a role, or acts on its own
account; on another admin or a whole-institution account its reset or disabling becomes a
pending request that changes nothing until a second admin approves it.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.accounts.models import AdminApproval, RoleGrant, User
from fangxian.accounts.roles import Role
from fangxian.audit.models import SecurityEvent

ADMINS = {"sysadmin": Role.SYSTEM_ADMIN, "secadmin": Role.SECURITY_ADMIN, "auditor": Role.AUDIT_ADMIN}
PROTECTED = {**ADMINS, "office": Role.PREVENTION_OFFICE, "leader": Role.LEADER, "inspector": Role.DISCIPLINE}
BUSINESS_ROLES = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE)
PASSWORD = "Quiet-River-Stone-8842"

ACTIONS = {
    **{f"grant_{role}": ("", lambda role=role: {"grant-role": role}) for role in BUSINESS_ROLES},
    "password": ("initial-password/", lambda: {"pw-password": PASSWORD}),
    "totp": ("reset-2fa/", dict),
    "disable": ("toggle-active/", dict),
}
# Granting a business role to another business account is ordinary work, not a separation case.
CASES = [
    (actor, target, action)
    for actor in ADMINS
    for target in PROTECTED
    for action in ACTIONS
    if not (action.startswith("grant_") and target not in ADMINS)
]


@pytest.fixture
def cast(make_user):
    return {name: make_user(f"{name}1", role) for name, role in PROTECTED.items()}


def _verified(user) -> Client:
    client = Client()
    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def _state(user):
    user = User.objects.get(pk=user.pk)
    return (
        user.password,
        user.is_active,
        user.must_change_password,
        sorted(RoleGrant.objects.filter(user=user).values_list("role", flat=True)),
        TOTPDevice.objects.filter(user=user).count(),
    )


@pytest.mark.parametrize(("actor", "target", "action"), CASES, ids=[f"{a}-{t}-{x}" for a, t, x in CASES])
def test_one_admin_alone_cannot_take_over_another_account(db, cast, actor, target, action):
    actor_user, target_user = cast[actor], cast[target]
    TOTPDevice.objects.create(user=target_user, name="TOTP", confirmed=True)
    before = _state(target_user)
    suffix, data = ACTIONS[action]
    response = _verified(actor_user).post(f"/accounts/users/{target_user.pk}/{suffix}", data())

    if actor != "secadmin":
        assert response.status_code == 403
        assert _state(target_user) == before
        return

    assert response.status_code in (200, 302)
    assert _state(target_user) == before, "one admin changed the account alone"
    refused = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ADMIN_REFUSED, user=actor_user, detail__target=target_user.username)
    requested = AdminApproval.objects.filter(target=target_user, requested_by=actor_user, status=AdminApproval.Status.PENDING)
    if action.startswith("grant_") or target == actor:
        assert refused.count() == 1 and not requested.exists()
    else:
        assert requested.count() == 1 and not refused.exists()
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.APPROVAL_REQUESTED, detail__target=target_user.username).exists()
