"""Sign-in, lockout, session limits."""

import re
import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from fangxian.accounts import services
from fangxian.accounts.models import LoginSession
from fangxian.accounts.signals import LOGIN_AT_KEY
from fangxian.audit.models import SecurityEvent
from fangxian.testing import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def page_without_tokens(response) -> str:
    """The login page with what differs between any two requests (CSRF token) removed."""
    html = response.content.decode()
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html)


def test_login_page_is_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "登录" in html
    assert "Sign in" not in html


def test_successful_login_is_recorded_and_gets_a_new_session_key(client, plain_user):
    session = client.session
    session["probe"] = 1
    session.save()
    anonymous_key = session.session_key
    response = login(client, "plain1")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.session_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()
    assert LoginSession.objects.filter(user=plain_user, session_key=client.session.session_key).exists()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN)
    assert event.user == plain_user
    assert event.ip_address == "127.0.0.1"
    assert event.request_id
    assert AccessLog.objects.filter(username="plain1").count() == 1


def test_wrong_password_and_unknown_user_get_the_same_message(client, plain_user):
    wrong = login(client, "plain1", "not-the-password-1")
    unknown = login(client, "nobody", "not-the-password-1")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED).count() == 2


def test_five_failures_lock_the_account_with_the_wrong_password_message(client, plain_user):
    failures = [login(client, "plain1", f"wrong-password-{n}") for n in range(5)]
    assert all(r.status_code == 200 for r in failures)
    # Now even the right password is refused, and the answer is the wrong-password page.
    locked = login(client, "plain1", PASSWORD)
    wrong = Client().post("/accounts/login/", {"username": "plain1", "password": "wrong-password-x"})
    assert locked.status_code == 200
    assert "_auth_user_id" not in client.session
    assert page_without_tokens(locked) == page_without_tokens(wrong)
    assert "用户名或密码不正确" in page_without_tokens(locked)

    # Every attempt is logged once: 7 attempts, 7 failures in axes and in our log.
    assert AccessFailureLog.objects.filter(username="plain1").count() == 7
    assert AccessAttempt.objects.get(username="plain1").failures_since_start == 7
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds.count(SecurityEvent.Kind.LOGIN_FAILED) == 7
    assert kinds.count(SecurityEvent.Kind.LOCKED_OUT) >= 1
    assert SecurityEvent.Kind.LOGIN not in kinds


def test_lockout_is_per_account_and_ends_after_15_minutes(client, plain_user, make_user):
    make_user("other1")
    for n in range(5):
        login(client, "plain1", f"wrong-password-{n}")
    assert login(Client(), "other1").status_code == 302  # another account is not affected
    assert login(Client(), "plain1").status_code == 200
    AccessAttempt.objects.filter(username="plain1").update(attempt_time=timezone.now() - timezone.timedelta(minutes=16))
    assert login(Client(), "plain1").status_code == 302


def test_four_failures_do_not_lock(client, plain_user):
    for n in range(4):
        login(client, "plain1", f"wrong-password-{n}")
    assert login(client, "plain1").status_code == 302


def test_logout_is_recorded_and_ends_the_session(client, plain_user):
    login(client, "plain1")
    key = client.session.session_key
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not LoginSession.objects.filter(session_key=key).exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGOUT, user=plain_user).exists()


def test_idle_timeout_is_30_minutes(client, plain_user):
    login(client, "plain1")
    assert client.get("/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert 29 * 60 < remaining <= 30 * 60  # renewed by the request
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_absolute_session_limit_is_12_hours(client, plain_user):
    login(client, "plain1")
    session = client.session
    session[LOGIN_AT_KEY] = time.time() - 11.9 * 3600
    session.save()
    assert client.get("/").status_code == 200
    session = client.session
    session[LOGIN_AT_KEY] = time.time() - 12 * 3600 - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_EXPIRED, user=plain_user).exists()
    assert client.get("/").status_code == 302


def test_api_answers_401_after_the_absolute_limit(client, plain_user):
    login(client, "plain1")
    session = client.session
    session[LOGIN_AT_KEY] = time.time() - 13 * 3600
    session.save()
    assert client.get("/api/v1/me/").status_code == 401


def test_disabling_a_user_ends_all_their_sessions(plain_user, secadmin):
    phone, desk = Client(), Client()
    login(phone, "plain1")
    login(desk, "plain1")
    assert phone.get("/").status_code == 200
    services.user_set_active(user=plain_user, active=False, by=secadmin)
    for client in (phone, desk):
        assert client.get("/").status_code == 302
    assert not LoginSession.objects.filter(user=plain_user).exists()
    assert login(Client(), "plain1").status_code == 200  # and cannot sign in again


def test_user_can_end_another_of_their_sessions(client, plain_user):
    other = Client()
    login(other, "plain1")
    login(client, "plain1")
    other_session = LoginSession.objects.get(session_key=other.session.session_key)
    response = client.post(f"/accounts/security/sessions/{other_session.pk}/end/")
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_user_cannot_end_someone_elses_session(client, plain_user, make_user):
    make_user("other1")
    other = Client()
    login(other, "other1")
    login(client, "plain1")
    other_session = LoginSession.objects.get(session_key=other.session.session_key)
    assert client.post(f"/accounts/security/sessions/{other_session.pk}/end/").status_code == 404
    assert other.get("/").status_code == 200
