"""三权分立, reserved usernames, and the security admin's pages."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.accounts import services
from fangxian.accounts.models import LoginSession, RoleGrant, User
from fangxian.accounts.roles import ADMIN_ROLES, Role, roles_of
from fangxian.audit.models import SecurityEvent
from fangxian.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("first", "second"), [(a, b) for a in ADMIN_ROLES for b in ADMIN_ROLES if a != b])
def test_database_refuses_two_admin_roles_on_one_account(make_user, first, second):
    user = make_user("admin2", first)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role=second)
    assert set(roles_of(User.objects.get(pk=user.pk))) == {first}


def test_an_admin_account_acts_only_as_an_admin_even_with_a_stray_business_grant(make_user):
    # Written around the services (the factory writes rows directly): roles_of ignores it.
    user = make_user("admin2", Role.SYSTEM_ADMIN, Role.LEADER)
    assert roles_of(user) == {Role.SYSTEM_ADMIN}


def test_grant_service_refuses_a_second_admin_role_with_the_rule_in_chinese(make_user, secadmin):
    user = make_user("admin2", Role.SYSTEM_ADMIN)
    with pytest.raises(ValidationError) as caught:
        services.role_grant(user=user, role=Role.AUDIT_ADMIN, by=secadmin)
    assert "三权分立" in " ".join(caught.value.messages)


def test_grant_form_shows_the_rule_and_grants_nothing(make_user, secadmin, verified_client):
    user = make_user("admin2", Role.SYSTEM_ADMIN)
    client = verified_client(secadmin)
    response = client.post(f"/accounts/users/{user.pk}/", {"grant-role": Role.AUDIT_ADMIN})
    assert response.status_code == 200
    assert "必须由不同账号担任" in response.content.decode()
    assert list(user.role_grants.values_list("role", flat=True)) == [Role.SYSTEM_ADMIN]


@pytest.mark.parametrize("name", ["admin", "Admin", "ROOT", "test", "administrator"])
def test_no_active_account_may_use_a_reserved_name(name):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username=name)
    inactive = User.objects.create(username=name, is_active=False)  # kept disabled, it is harmless
    inactive.is_active = True
    with pytest.raises(ValidationError):
        inactive.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        inactive.save()


def test_reserved_account_cannot_be_enabled_through_the_admin_page(secadmin, verified_client):
    dormant = User.objects.create(username="root", is_active=False)
    client = verified_client(secadmin)
    response = client.post(f"/accounts/users/{dormant.pk}/toggle-active/", follow=True)
    assert response.status_code == 200
    dormant.refresh_from_db()
    assert not dormant.is_active
    assert "保留名称" in response.content.decode()


# ---------------------------------------------------------------------------
# The security admin's pages


@pytest.fixture
def subject(make_user):
    return make_user("liuyang", full_name="刘洋")


@pytest.fixture
def admin_client(secadmin, verified_client):
    return verified_client(secadmin)


def test_user_list_searches_by_username_and_name(admin_client, subject, make_user, secadmin):
    make_user("wangfang", full_name="王芳")
    # The cast's names are random; make sure no other account's name has the character.
    User.objects.exclude(pk=subject.pk).filter(full_name__contains="刘").update(full_name="王安")
    response = admin_client.get("/accounts/users/", {"q": "刘"})
    assert response.status_code == 200
    usernames = [u.username for u in response.context["page"]]
    assert usernames == ["liuyang"]


def test_grant_and_revoke_a_role(admin_client, subject, secadmin):
    response = admin_client.post(f"/accounts/users/{subject.pk}/", {"grant-role": Role.LEADER})
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=subject)
    assert grant.role == Role.LEADER
    assert grant.granted_by == secadmin
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_GRANTED)
    assert event.user == secadmin
    assert event.detail == {"target": "liuyang", "role": "leader"}

    response = admin_client.post(f"/accounts/users/{subject.pk}/roles/leader/revoke/")
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(user=subject).exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ROLE_REVOKED).exists()


def test_disable_and_enable_an_account(admin_client, subject):
    user_client = Client()
    user_client.post("/accounts/login/", {"username": "liuyang", "password": PASSWORD})
    assert LoginSession.objects.filter(user=subject).exists()
    assert admin_client.post(f"/accounts/users/{subject.pk}/toggle-active/").status_code == 302
    subject.refresh_from_db()
    assert not subject.is_active
    assert not LoginSession.objects.filter(user=subject).exists()
    assert user_client.get("/").status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCOUNT_DISABLED, detail__target="liuyang").exists()
    admin_client.post(f"/accounts/users/{subject.pk}/toggle-active/")
    subject.refresh_from_db()
    assert subject.is_active


def test_security_admin_cannot_disable_themselves(admin_client, secadmin):
    admin_client.post(f"/accounts/users/{secadmin.pk}/toggle-active/")
    secadmin.refresh_from_db()
    assert secadmin.is_active


def test_reset_second_factor(admin_client, subject):
    TOTPDevice.objects.create(user=subject, name="TOTP", confirmed=True)
    StaticDevice.objects.create(user=subject, name="recovery", confirmed=True)
    assert admin_client.post(f"/accounts/users/{subject.pk}/reset-2fa/").status_code == 302
    assert not TOTPDevice.objects.filter(user=subject).exists()
    assert not StaticDevice.objects.filter(user=subject).exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOTP_RESET, detail__target="liuyang").exists()


def test_set_an_initial_password(admin_client, subject):
    response = admin_client.post(f"/accounts/users/{subject.pk}/initial-password/", {"pw-password": "Initial-Maple-7731"})
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.check_password("Initial-Maple-7731")
    assert subject.must_change_password


POST_VIEWS = [
    "/accounts/users/{pk}/roles/leader/revoke/",
    "/accounts/users/{pk}/toggle-active/",
    "/accounts/users/{pk}/reset-2fa/",
    "/accounts/users/{pk}/initial-password/",
]


@pytest.mark.parametrize("url", POST_VIEWS)
def test_get_on_a_post_only_view_is_405(admin_client, subject, url):
    assert admin_client.get(url.format(pk=subject.pk)).status_code == 405


@pytest.mark.parametrize("outsider", ["office", "auditor", "sysadmin", "plain_user"])
def test_only_the_security_admin_reaches_the_pages(request, verified_client, subject, outsider):
    client = verified_client(request.getfixturevalue(outsider))
    assert client.get("/accounts/users/").status_code == 403
    assert client.get(f"/accounts/users/{subject.pk}/").status_code == 403
    assert client.post(f"/accounts/users/{subject.pk}/", {"grant-role": Role.LEADER}).status_code == 403
    for url in POST_VIEWS:
        assert client.post(url.format(pk=subject.pk), {"pw-password": "Initial-Maple-7731"}).status_code == 403
    subject.refresh_from_db()
    assert subject.is_active and not subject.must_change_password
    assert not RoleGrant.objects.filter(user=subject).exists()


def test_anonymous_visitor_is_sent_to_the_login_page(client, subject):
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_security_admin_who_owes_the_second_factor_is_stopped(secadmin, subject):
    client = Client()
    client.post("/accounts/login/", {"username": "secadmin1", "password": PASSWORD})
    response = client.post(f"/accounts/users/{subject.pk}/", {"grant-role": Role.LEADER})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")
    assert not RoleGrant.objects.filter(user=subject).exists()
