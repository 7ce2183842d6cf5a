"""Forgotten passwords: by e-mail where there is an address, otherwise by the unit's admin;
the answer never tells whether the login exists."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from fangxian.accounts import services
from fangxian.accounts.models import ApiToken, User
from fangxian.audit.models import SecurityEvent
from fangxian.notify.models import Notification
from fangxian.testing import PASSWORD

pytestmark = pytest.mark.django_db
NEW = "Silver-Harbour-Kite-64"


def ask(client: Client, username: str) -> str:
    response = client.post(reverse("accounts:password_reset"), {"username": username})
    assert response.status_code == 200
    return response.content.decode()


def answer_part(text: str) -> str:
    return text.split('data-testid="reset-requested"')[1].split("</div>")[0]


def test_the_answer_is_the_same_whether_the_login_exists_or_not(uni, django_capture_on_commit_callbacks):
    uni.guard_user.email = "guard@example.edu.cn"
    uni.guard_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        answers = {answer_part(ask(Client(), login)) for login in ("guard1", "counselor1", "nobody-here")}
    assert len(answers) == 1


def test_an_account_with_an_email_gets_a_one_time_link(uni, django_capture_on_commit_callbacks):
    user = uni.guard_user
    user.email = "guard@example.edu.cn"
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        ask(Client(), "GUARD1")  # the login in any case
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["guard@example.edu.cn"]
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    response = client.get(link, follow=True)  # Django swaps the token for a session marker
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.must_change_password
    # The link works once.
    assert 'data-testid="reset-invalid"' in Client().get(link, follow=True).content.decode()
    # No reset link stored in the delivery log.
    from fangxian.notify.models import Delivery

    assert not Delivery.objects.filter(text__contains="/password/reset/").exists()


def test_without_an_email_the_units_admin_is_asked_and_resets_it(uni, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(Client(), "counselor1")
    assert mail.outbox == []
    note = Notification.objects.get(kind="password_reset_request")
    assert note.user == uni.college_admin_user and note.url == reverse("accounts:unit_reset", args=[uni.counselor_user.pk])
    token, _raw = services.token_create(user=uni.counselor_user, name="phone", days=1)
    admin = Client()
    admin.force_login(uni.college_admin_user)
    assert admin.get(note.url).status_code == 200
    text = admin.post(note.url).content.decode()
    password = re.search(r"<code[^>]*>([^<]+)</code>", text).group(1)
    user = User.objects.get(pk=uni.counselor_user.pk)
    assert user.check_password(password) and user.must_change_password and not user.check_password(PASSWORD)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PASSWORD_CHANGED, detail__reset="unit_admin")
    assert event.user == uni.college_admin_user and event.detail["target"] == "counselor1"
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None  # tokens end with the old password


def test_a_unit_admin_cannot_reset_people_outside_the_unit_or_admins(uni, make_user):
    admin = Client()
    admin.force_login(uni.college_admin_user)
    assert admin.post(reverse("accounts:unit_reset", args=[uni.other_counselor_user.pk])).status_code == 404
    office = make_user("office9", "prevention_office")
    from fangxian.org.testing import StaffFactory

    StaffFactory(unit=uni.college, user=office)
    assert admin.post(reverse("accounts:unit_reset", args=[office.pk])).status_code == 404
    assert User.objects.get(pk=office.pk).check_password(PASSWORD)
    counselor = Client()
    counselor.force_login(uni.counselor_user)
    assert counselor.get(reverse("accounts:unit_reset", args=[uni.student_user.pk])).status_code == 403


def test_a_person_without_a_unit_admin_goes_to_the_security_admins(uni, secadmin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(Client(), "guard1")  # the security office has no college admin
    assert Notification.objects.get(kind="password_reset_request").user == secadmin


def test_the_login_page_links_to_it(client):
    assert reverse("accounts:password_reset") in client.get(reverse("accounts:login")).content.decode()


def test_reset_requests_are_rate_limited_without_telling_whether_the_login_exists(uni, settings, django_capture_on_commit_callbacks):
    settings.FANGXIAN_RATE_LIMITS = {"password_reset_login": (2, 3600), "password_reset_address": (6, 900)}
    user = uni.guard_user
    user.email = "guard@example.edu.cn"
    user.save()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        answers = {answer_part(ask(client, login)) for login in ("guard1", "guard1", "guard1", "nobody-here", "nobody-here", "nobody-here")}
    # Two mails for the real login, none past its limit; the same answer for every request.
    assert len(answers) == 1 and len(mail.outbox) == 2
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RATE_LIMITED, detail__rule="password_reset_login").count() == 2
    # Past the address's limit the page says so (429), for any login.
    response = client.post(reverse("accounts:password_reset"), {"username": "someone"})
    assert response.status_code == 429 and "来自该地址的找回密码请求过多" in response.content.decode()
