"""三权分立: admin accounts hold no business role, nobody grants roles to itself, and taking
over another admin (or an account that sees the whole school) takes a second admin's approval."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.accounts import services
from fangxian.accounts.models import AdminApproval, RoleGrant, User
from fangxian.accounts.roles import Role, roles_of
from fangxian.audit.models import SecurityEvent
from fangxian.org.scope import scope_of
from fangxian.org.testing import MiniUniversity
from fangxian.testing import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quiet-River-Stone-8842"


def refusals(**detail):
    return SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ADMIN_REFUSED, **{f"detail__{k}": v for k, v in detail.items()})


@pytest.fixture
def sec_client(secadmin, verified_client):
    return verified_client(secadmin)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


# ---------------------------------------------------------------------------
# Roles


def test_security_admin_cannot_grant_itself_the_prevention_office_role(sec_client, secadmin):
    response = sec_client.post(f"/accounts/users/{secadmin.pk}/", {"grant-role": Role.PREVENTION_OFFICE})
    assert response.status_code == 200
    assert "不能给自己授予角色" in response.content.decode()
    assert set(RoleGrant.objects.filter(user=secadmin).values_list("role", flat=True)) == {Role.SECURITY_ADMIN}
    event = refusals(action="role_grant").get()
    assert event.user == secadmin
    assert event.detail["target"] == "secadmin1" and event.detail["role"] == Role.PREVENTION_OFFICE


@pytest.mark.parametrize("role", [Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE])
def test_no_business_role_for_an_admin_account(sec_client, auditor, role):
    response = sec_client.post(f"/accounts/users/{auditor.pk}/", {"grant-role": role})
    assert response.status_code == 200
    assert "三权分立" in response.content.decode()
    assert not RoleGrant.objects.filter(user=auditor, role=role).exists()
    assert refusals(action="role_grant", target="auditor1", role=role).exists()


def test_no_admin_role_for_an_account_with_business_roles(secadmin, office):
    with pytest.raises(ValidationError) as caught:
        services.role_grant(user=office, role=Role.AUDIT_ADMIN, by=secadmin)
    assert "三权分立" in " ".join(caught.value.messages)
    assert not RoleGrant.objects.filter(user=office, role=Role.AUDIT_ADMIN).exists()
    assert refusals(target="office1", role=Role.AUDIT_ADMIN).exists()


def test_no_admin_role_for_an_account_linked_to_a_person_with_duties(secadmin):
    uni = MiniUniversity()
    with pytest.raises(ValidationError) as caught:
        services.role_grant(user=uni.counselor_user, role=Role.SYSTEM_ADMIN, by=secadmin)
    assert "三权分立" in " ".join(caught.value.messages)
    assert not RoleGrant.objects.filter(user=uni.counselor_user).exists()


def test_an_admin_account_linked_later_to_a_person_gets_no_scope():
    uni = MiniUniversity()
    # Written around the services, as an import or a script could.
    RoleGrant.objects.create(user=uni.counselor_user, role=Role.SECURITY_ADMIN)
    user = User.objects.get(pk=uni.counselor_user.pk)
    assert roles_of(user) == {Role.SECURITY_ADMIN}
    assert scope_of(user).is_empty
    assert not scope_of(user).students().exists()


def test_grant_to_another_ordinary_account_still_works(secadmin, make_user):
    subject = make_user("liuyang")
    services.role_grant(user=subject, role=Role.LEADER, by=secadmin)
    assert roles_of(User.objects.get(pk=subject.pk)) == {Role.LEADER}


# ---------------------------------------------------------------------------
# Second admin's approval


def test_setting_another_admins_password_waits_for_a_second_admin(sec_client, secadmin, auditor, sysadmin):
    old_hash = auditor.password
    response = sec_client.post(f"/accounts/users/{auditor.pk}/initial-password/", {"pw-password": NEW_PASSWORD}, follow=True)
    assert "另一名管理员批准" in response.content.decode()
    auditor.refresh_from_db()
    assert auditor.password == old_hash and not auditor.must_change_password
    approval = AdminApproval.objects.get()
    assert approval.status == AdminApproval.Status.PENDING and approval.requested_by == secadmin
    assert NEW_PASSWORD not in approval.password_hash
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.APPROVAL_REQUESTED, detail__target="auditor1").exists()
    assert "等待另一名管理员批准" in sec_client.get(f"/accounts/users/{auditor.pk}/").content.decode()
    # Signing in as the audit admin with the proposed password fails while the request waits.
    response = Client().post("/accounts/login/", {"username": "auditor1", "password": NEW_PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session

    # The requester cannot approve it, nor can the audit admin it concerns.
    for who in (secadmin, auditor):
        response = _client_for(who).post(f"/accounts/approvals/{approval.pk}/decide/", {"decision": "approve"}, follow=True)
        assert response.status_code == 200
        approval.refresh_from_db()
        assert approval.status == AdminApproval.Status.PENDING
    assert refusals(action="approval").count() == 2

    response = _client_for(sysadmin).post(f"/accounts/approvals/{approval.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.status == AdminApproval.Status.APPROVED and approval.decided_by == sysadmin
    auditor.refresh_from_db()
    assert auditor.check_password(NEW_PASSWORD) and auditor.must_change_password
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.APPROVAL_GRANTED, user=sysadmin).exists()


def test_resetting_another_admins_second_factor_waits_for_a_second_admin(sec_client, auditor, sysadmin):
    TOTPDevice.objects.create(user=auditor, name="TOTP", confirmed=True)
    sec_client.post(f"/accounts/users/{auditor.pk}/reset-2fa/")
    assert TOTPDevice.objects.filter(user=auditor).exists()
    approval = AdminApproval.objects.get(action=AdminApproval.Action.TOTP_RESET)
    services.approval_decide(approval=approval, approve=True, by=sysadmin)
    assert not TOTPDevice.objects.filter(user=auditor).exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOTP_RESET, detail__target="auditor1", user=sysadmin).exists()


def test_disabling_another_admin_waits_and_a_rejection_changes_nothing(sec_client, auditor, sysadmin):
    sec_client.post(f"/accounts/users/{auditor.pk}/toggle-active/")
    auditor.refresh_from_db()
    assert auditor.is_active
    approval = AdminApproval.objects.get(action=AdminApproval.Action.DISABLE)
    services.approval_decide(approval=approval, approve=False, by=sysadmin)
    auditor.refresh_from_db()
    assert auditor.is_active
    approval.refresh_from_db()
    assert approval.status == AdminApproval.Status.REJECTED
    with pytest.raises(ValidationError):  # decided once, for good
        services.approval_decide(approval=approval, approve=True, by=sysadmin)


def test_the_prevention_office_account_is_protected_as_well(sec_client, office, sysadmin):
    sec_client.post(f"/accounts/users/{office.pk}/toggle-active/")
    office.refresh_from_db()
    assert office.is_active
    services.approval_decide(approval=AdminApproval.objects.get(), approve=True, by=sysadmin)
    office.refresh_from_db()
    assert not office.is_active


def test_an_expired_request_cannot_be_approved(sec_client, auditor, sysadmin):
    sec_client.post(f"/accounts/users/{auditor.pk}/reset-2fa/")
    approval = AdminApproval.objects.get()
    AdminApproval.objects.filter(pk=approval.pk).update(requested_at=approval.requested_at - AdminApproval.LIFETIME)
    with pytest.raises(ValidationError) as caught:
        services.approval_decide(approval=approval, approve=True, by=sysadmin)
    assert "已过期" in " ".join(caught.value.messages)


def test_a_business_account_cannot_decide(auditor, secadmin, office):
    approval = services.admin_reset_totp(user=auditor, by=secadmin)
    assert _client_for(office).post(f"/accounts/approvals/{approval.pk}/decide/", {"decision": "approve"}).status_code == 403
    with pytest.raises(ValidationError):
        services.approval_decide(approval=approval, approve=True, by=office)
    approval.refresh_from_db()
    assert approval.status == AdminApproval.Status.PENDING


@pytest.mark.parametrize("path", ["initial-password/", "reset-2fa/", "toggle-active/"])
def test_an_admin_cannot_reset_or_disable_its_own_account_here(sec_client, secadmin, path):
    response = sec_client.post(f"/accounts/users/{secadmin.pk}/{path}", {"pw-password": NEW_PASSWORD}, follow=True)
    assert response.status_code == 200
    secadmin.refresh_from_db()
    assert secadmin.is_active and secadmin.check_password(PASSWORD)
    assert refusals(target="secadmin1").count() == 1
    assert not AdminApproval.objects.exists()


def test_ordinary_accounts_need_no_second_admin(sec_client, make_user):
    subject = make_user("liuyang")
    sec_client.post(f"/accounts/users/{subject.pk}/initial-password/", {"pw-password": NEW_PASSWORD})
    subject.refresh_from_db()
    assert subject.check_password(NEW_PASSWORD)
    assert not AdminApproval.objects.exists()


def test_approvals_page_lists_the_pending_request_for_the_other_admins(secadmin, auditor, sysadmin):
    services.admin_reset_totp(user=auditor, by=secadmin)
    page = _client_for(sysadmin).get("/accounts/approvals/").content.decode()
    assert "auditor1" in page and 'value="approve"' in page
    # The requester sees the request but no buttons.
    page = _client_for(secadmin).get("/accounts/approvals/").content.decode()
    assert "auditor1" in page and 'value="approve"' not in page
