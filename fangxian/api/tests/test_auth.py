"""/api/v1/: session and bearer-token authentication, schema and documentation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.accounts import services
from fangxian.accounts.models import ApiToken
from fangxian.audit.models import SecurityEvent
from fangxian.testing import PASSWORD

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_me_with_the_page_session(client, make_user):
    make_user("leader1", "leader", full_name="李建国")
    client.post("/accounts/login/", {"username": "leader1", "password": PASSWORD})
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {"username": "leader1", "full_name": "李建国", "roles": ["leader"]}


def test_session_writes_need_the_csrf_token(make_user):
    from django.test import Client

    user = make_user("leader1", "leader")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code == 200
    # DRF's session authentication enforces CSRF on unsafe methods (refused before the method check).
    response = client.post("/api/v1/me/")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_me_with_a_bearer_token(client, make_user):
    user = make_user("leader1", "leader")
    token, raw = services.token_create(user=user, name="门禁设备", days=30)
    response = client.get("/api/v1/me/", **bearer(raw))
    assert response.status_code == 200
    assert response.json()["username"] == "leader1"
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "no-store" in response["Cache-Control"]
    # Only the hash is kept.
    assert raw not in str(ApiToken.objects.values_list("key_hash", "hint"))


@pytest.mark.parametrize("keyword", ["Token", "bearer"])
def test_either_keyword_works(client, make_user, keyword):
    user = make_user("leader1", "leader")
    _token, raw = services.token_create(user=user, name="脚本", days=1)
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"{keyword} {raw}").status_code == 200


def test_revoked_token_is_refused(client, make_user):
    user = make_user("leader1", "leader")
    token, raw = services.token_create(user=user, name="脚本", days=30)
    services.token_revoke(token=token)
    response = client.get("/api/v1/me/", **bearer(raw))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOKEN_REVOKED).exists()


def test_expired_token_is_refused(client, make_user):
    user = make_user("leader1", "leader")
    token, raw = services.token_create(user=user, name="脚本", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me/", **bearer(raw)).status_code == 401


def test_token_of_a_disabled_user_is_refused(client, make_user, secadmin):
    user = make_user("leader1", "leader")
    _token, raw = services.token_create(user=user, name="脚本", days=30)
    services.user_set_active(user=user, active=False, by=secadmin)
    assert client.get("/api/v1/me/", **bearer(raw)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer fx_not-a-real-token", "Bearer nope"])
def test_malformed_or_unknown_tokens_are_refused(client, header):
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=header).status_code == 401


def test_anonymous_is_refused(client):
    assert client.get("/api/v1/me/").status_code in (401, 403)


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/docs/?script="])
def test_schema_and_docs_need_authentication(client, make_user, url):
    assert client.get(url).status_code in (401, 403)
    user = make_user("leader1", "leader")
    _token, raw = services.token_create(user=user, name="脚本", days=1)
    assert client.get(url, **bearer(raw)).status_code == 200


def test_docs_page_is_served_by_the_platform_itself(client, plain_user):
    client.post("/accounts/login/", {"username": "plain1", "password": PASSWORD})
    html = client.get("/api/docs/").content.decode()
    assert '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"></script>' in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # the page's own script is a separate file (CSP)


def test_user_creates_and_revokes_a_token_on_the_security_page(client, plain_user):
    client.post("/accounts/login/", {"username": "plain1", "password": PASSWORD})
    response = client.post("/accounts/security/", {"name": "我的脚本", "days": 30})
    raw = response.context["new_token"].access_raw
    assert raw.startswith("fx_")
    # What the page lists and revokes is the refresh token; its access tokens end with it.
    token = ApiToken.objects.get(user=plain_user, kind=ApiToken.Kind.REFRESH)
    assert client.get("/api/v1/me/", **bearer(raw)).status_code == 200
    assert client.get(f"/accounts/security/tokens/{token.pk}/revoke/").status_code == 405
    assert client.post(f"/accounts/security/tokens/{token.pk}/revoke/").status_code == 302
    assert client.get("/api/v1/me/", **bearer(raw)).status_code == 401


def test_nobody_revokes_someone_elses_token(client, plain_user, make_user):
    other = make_user("other1")
    token, raw = services.token_create(user=other, name="脚本", days=30)
    client.post("/accounts/login/", {"username": "plain1", "password": PASSWORD})
    assert client.post(f"/accounts/security/tokens/{token.pk}/revoke/").status_code == 404
    assert client.get("/api/v1/me/", **bearer(raw)).status_code == 200
