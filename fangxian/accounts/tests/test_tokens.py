"""API tokens: short-lived access tokens minted from a refresh token, tied to an enrolled
second factor where the role needs one, and ended by a password or second-factor reset."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.accounts import services
from fangxian.accounts.models import AdminApproval, ApiToken
from fangxian.accounts.roles import Role
from fangxian.audit.models import SecurityEvent
from fangxian.testing import PASSWORD

pytestmark = pytest.mark.django_db

PRODUCTION_SECOND_FACTOR = override_settings(SECOND_FACTOR_EXTRA_ROLES=["leader", "discipline", "college_admin"])


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def me(raw: str) -> int:
    return Client().get("/api/v1/me/", **bearer(raw)).status_code


def refresh(raw: str):
    return Client().post("/api/v1/auth/refresh/", **bearer(raw))


def test_access_tokens_live_an_hour_and_the_refresh_token_mints_new_ones(plain_user):
    pair = services.token_pair_create(user=plain_user, name="脚本", days=366)
    assert pair.refresh.expires_at <= timezone.now() + timedelta(days=90)  # capped
    assert pair.access.expires_at <= timezone.now() + timedelta(minutes=60)
    assert me(pair.access_raw) == 200
    # The refresh token itself does not call the API.
    assert me(pair.refresh_raw) == 401

    response = refresh(pair.refresh_raw)
    assert response.status_code == 200
    new_raw = response.json()["token"]
    assert new_raw.startswith("fx_") and me(new_raw) == 200
    assert me(pair.access_raw) == 401  # the earlier access token ended
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOKEN_REFRESHED, user=plain_user).exists()


def test_an_expired_access_token_is_refused_and_a_refresh_renews_it(plain_user):
    pair = services.token_pair_create(user=plain_user, name="脚本", days=7)
    ApiToken.objects.filter(pk=pair.access.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert me(pair.access_raw) == 401
    assert me(refresh(pair.refresh_raw).json()["token"]) == 200


def test_an_access_token_cannot_refresh_and_a_long_lived_one_is_refused(plain_user):
    pair = services.token_pair_create(user=plain_user, name="脚本", days=7)
    assert refresh(pair.access_raw).status_code == 403
    assert Client().post("/api/v1/auth/refresh/").status_code == 401
    # A token from before tokens became short-lived (a year, written directly) no longer works.
    legacy, raw = ApiToken.issue(user=plain_user, name="旧令牌")
    ApiToken.objects.filter(pk=legacy.pk).update(expires_at=timezone.now() + timedelta(days=300))
    assert me(raw) == 401


def test_revoking_the_refresh_token_ends_its_access_tokens(plain_user):
    pair = services.token_pair_create(user=plain_user, name="脚本", days=7)
    services.token_revoke(token=pair.refresh)
    assert me(pair.access_raw) == 401
    assert refresh(pair.refresh_raw).status_code == 401


def test_a_password_change_ends_every_token(plain_user):
    pair = services.token_pair_create(user=plain_user, name="脚本", days=7)
    client = Client()
    client.post("/accounts/login/", {"username": "plain1", "password": PASSWORD})
    new = "Another-Long-Phrase-5521"
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert me(pair.access_raw) == 401
    assert refresh(pair.refresh_raw).status_code == 401


def test_an_admin_reset_of_password_or_second_factor_ends_every_token(secadmin, make_user):
    subject = make_user("liuyang")
    TOTPDevice.objects.create(user=subject, name="TOTP", confirmed=True)
    first = services.token_pair_create(user=subject, name="a", days=7)
    services.admin_reset_totp(user=subject, by=secadmin)
    assert me(first.access_raw) == 401 and refresh(first.refresh_raw).status_code == 401
    second = services.token_pair_create(user=subject, name="b", days=7)
    services.admin_set_initial_password(user=subject, password="Initial-Maple-7731", by=secadmin)
    assert me(second.access_raw) == 401 and refresh(second.refresh_raw).status_code == 401


def test_an_approved_reset_of_an_admin_ends_its_tokens(secadmin, auditor, sysadmin):
    TOTPDevice.objects.create(user=auditor, name="TOTP", confirmed=True)
    pair = services.token_pair_create(user=auditor, name="审计", days=7)
    approval = services.admin_set_initial_password(user=auditor, password="Initial-Maple-7731", by=secadmin)
    assert me(pair.access_raw) == 200  # nothing happens before the approval
    services.approval_decide(approval=approval, approve=True, by=sysadmin)
    assert approval.action == AdminApproval.Action.PASSWORD_RESET
    assert me(pair.access_raw) == 401


def test_a_privileged_role_needs_an_enrolled_second_factor_for_tokens(office):
    with pytest.raises(ValidationError) as caught:
        services.token_pair_create(user=office, name="脚本", days=7)
    assert "二次验证" in " ".join(caught.value.messages)
    device = TOTPDevice.objects.create(user=office, name="TOTP", confirmed=True)
    pair = services.token_pair_create(user=office, name="脚本", days=7)
    assert me(pair.access_raw) == 200
    # The device removed behind the services' back: the tokens stop working.
    device.delete()
    response = Client().get("/api/v1/me/", **bearer(pair.access_raw))
    assert response.status_code == 401 and "二次验证" in response.json()["detail"]
    assert refresh(pair.refresh_raw).status_code == 401


@PRODUCTION_SECOND_FACTOR
@pytest.mark.parametrize("role", [Role.LEADER, Role.DISCIPLINE])
def test_in_production_leaders_and_discipline_need_the_second_factor(make_user, role):
    user = make_user("wide1", role)
    client = Client()
    client.post("/accounts/login/", {"username": "wide1", "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")
    with pytest.raises(ValidationError):
        services.token_pair_create(user=user, name="脚本", days=7)


@PRODUCTION_SECOND_FACTOR
def test_in_production_college_admins_need_the_second_factor():
    from fangxian.org.testing import MiniUniversity

    uni = MiniUniversity()
    client = Client()
    client.force_login(uni.college_admin_user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")
    # A counselor is not asked.
    client.force_login(uni.counselor_user)
    assert client.get("/").status_code == 200


@PRODUCTION_SECOND_FACTOR
@override_settings(REQUIRE_TOTP=False)
def test_demo_mode_keeps_relaxing_the_second_factor(make_user):
    make_user("wide1", Role.LEADER)
    client = Client()
    client.post("/accounts/login/", {"username": "wide1", "password": PASSWORD})
    assert client.get("/").status_code == 200


def test_the_security_page_shows_both_tokens_once(plain_user):
    client = Client()
    client.post("/accounts/login/", {"username": "plain1", "password": PASSWORD})
    response = client.post("/accounts/security/", {"name": "脚本", "days": 30})
    html = response.content.decode()
    assert 'data-testid="new-refresh-token"' in html and 'data-testid="new-token"' in html
    refresh_token = ApiToken.objects.get(kind=ApiToken.Kind.REFRESH)
    assert refresh_token.expires_at.date() == (timezone.now() + timedelta(days=30)).date()
