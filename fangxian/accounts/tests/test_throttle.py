"""Rate limits and quotas: 429 with a Chinese message, counted per address and per account,
and a lockout that a stranger cannot use against the office."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from fangxian.audit.models import SecurityEvent
from fangxian.org.testing import MiniUniversity, make_id_number
from fangxian.testing import PASSWORD

pytestmark = pytest.mark.django_db


def login(username, password=PASSWORD, address="10.1.1.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def rate_limited(rule=None):
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RATE_LIMITED)
    return events.filter(detail__rule=rule) if rule else events


def test_a_stranger_cannot_lock_the_office_out(office):
    for n in range(8):
        login("office1", f"wrong-password-{n}", address="10.9.9.9")
    client, _response = login("office1", address="10.1.1.1")
    assert signed_in(client)
    # The stranger's own address is locked for that account (django-axes, by username and address).
    client, _response = login("office1", address="10.9.9.9")
    assert not signed_in(client)


def test_spraying_usernames_from_one_address_answers_429(plain_user):
    for n in range(10):
        _client, response = login(f"nobody{n}", "wrong-password-1", address="10.6.6.6")
        assert response.status_code == 200
    client, response = login("plain1", address="10.6.6.6")
    assert response.status_code == 429
    assert not signed_in(client)
    assert "同一地址尝试的不同用户名过多" in response.content.decode()
    assert response["Retry-After"]
    assert rate_limited("login_usernames_per_address").get().ip_address == "10.6.6.6"
    # Another address is not held back.
    client, _response = login("plain1", address="10.6.6.7")
    assert signed_in(client)


def test_an_account_that_signed_in_from_the_address_is_spared(plain_user):
    client, _response = login("plain1", address="10.6.6.6")
    assert signed_in(client)
    for n in range(12):
        login(f"nobody{n}", "wrong-password-1", address="10.6.6.6")
    client, response = login("plain1", address="10.6.6.6")
    assert signed_in(client), response.status_code


@override_settings(FANGXIAN_RATE_LIMITS={"login_account_failures": (6, 900)})
def test_guessing_one_account_from_many_addresses_answers_429_elsewhere(plain_user):
    known, _response = login("plain1", address="10.1.1.1")
    assert signed_in(known)
    for n in range(6):
        login("plain1", f"wrong-password-{n}", address=f"10.7.7.{n}")
    client, response = login("plain1", address="10.7.8.1")
    assert response.status_code == 429
    assert "该账号登录失败次数过多" in response.content.decode()
    # The address the account uses is not locked out by the stranger's guesses.
    client, response = login("plain1", address="10.1.1.1")
    assert signed_in(client)


@override_settings(FANGXIAN_RATE_LIMITS={"login_address_failures": (5, 300)})
def test_failed_sign_ins_per_address(plain_user, make_user):
    make_user("known1")
    assert signed_in(login("known1", address="10.5.5.5")[0])
    for n in range(5):
        assert login(f"user{n % 2}", "wrong-password-x", address="10.5.5.5")[1].status_code == 200
    _client, response = login("plain1", address="10.5.5.5")
    assert response.status_code == 429
    assert "同一地址登录失败次数过多" in response.content.decode()
    # Successful sign-ins are not counted, and an account known at the address still gets in.
    assert signed_in(login("known1", address="10.5.5.5")[0])


def test_many_successful_sign_ins_from_one_address_are_not_limited(make_user):
    # A dormitory behind one NAT address signing in at 8 o'clock.
    users = [make_user(f"stu{n}") for n in range(70)]
    assert all(signed_in(login(u.username, address="10.4.4.4")[0]) for u in users)


# ---------------------------------------------------------------------------
# Reveals and exports


@pytest.fixture
def uni(db):
    return MiniUniversity()


def test_reveals_are_limited_per_minute_and_the_refused_one_reveals_nothing(office, verified_client, uni):
    client = verified_client(office)
    student = uni.students[0]
    url = f"/org/students/{student.pk}/reveal/"
    for _n in range(20):
        response = client.post(url, {"field": "id_number", "reason": "verify"})
        assert response.status_code == 200
        assert student.id_number in response.content.decode()
    response = client.post(url, {"field": "id_number", "reason": "verify"})
    assert response.status_code == 429
    body = response.content.decode()
    assert student.id_number not in body
    assert "查看个人信息次数过多" in body
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REVEAL).count() == 20
    assert rate_limited("reveal_minute").get().user == office


@override_settings(FANGXIAN_RATE_LIMITS={"reveal_minute": (100, 60), "reveal_day": (12, 86400)})
def test_reveals_have_a_daily_quota(office, verified_client, uni):
    client = verified_client(office)
    url = f"/org/students/{uni.students[0].pk}/reveal/"
    statuses = [client.post(url, {"field": "phone", "reason": "contact"}).status_code for _n in range(13)]
    assert statuses == [200] * 12 + [429]


@override_settings(FANGXIAN_RATE_LIMITS={"export_minute": (3, 60)})
def test_exports_are_limited_per_minute(office, verified_client, uni):
    client = verified_client(office)
    statuses = [client.get("/org/coverage/export/").status_code for _n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 3
    assert rate_limited("export_minute").count() == 1


@override_settings(FANGXIAN_RATE_LIMITS={"export_minute": (3, 60)})
def test_quotas_are_per_account(office, make_user, verified_client, uni):
    for _n in range(4):
        verified_client(office).get("/org/coverage/export/")
    assert verified_client(office).get("/org/coverage/export/").status_code == 429
    other = make_user("office2", "prevention_office")
    assert verified_client(other).get("/org/coverage/export/").status_code == 200


# ---------------------------------------------------------------------------
# The gates' public visitor form


def test_anonymous_visit_requests_are_limited_per_address(uni):
    start = timezone.localtime() + timedelta(hours=1)
    form = {
        "kind": "visitor",
        "campus": uni.campus.pk,
        "name": "访客丁",
        "id_number": make_id_number(),
        "purpose": "面试",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "host_number": "无此工号",
        "host_name": "无此人",
    }
    client = Client(REMOTE_ADDR="10.8.8.8")
    statuses = [client.post("/gates/visit/request/", form).status_code for _n in range(6)]
    assert statuses == [200] * 5 + [429]
    response = client.post("/gates/visit/request/", form)
    assert "来自该地址的申请过多" in response.content.decode()
    assert Client(REMOTE_ADDR="10.8.8.9").post("/gates/visit/request/", form).status_code == 200


# ---------------------------------------------------------------------------
# Exports over the size the security admin sets


def test_security_admin_sets_the_export_size_and_a_larger_export_waits_for_approval(office, secadmin, verified_client, uni):
    from fangxian.accounts.models import ExportApproval, SecurityPolicy

    admin = verified_client(secadmin)
    assert admin.post("/accounts/exports/", {"export_approval_rows": 1}).status_code == 302
    assert SecurityPolicy.current().export_approval_rows == 1

    client = Client()
    client.force_login(office)
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=office, name="t", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()

    response = client.get("/org/coverage/export/")
    assert response.status_code == 403
    assert "安全管理员批准" in response.content.decode()
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).exists()
    request = ExportApproval.objects.get()
    assert request.user == office and request.status == ExportApproval.Status.PENDING and request.rows > 1
    # Asking again does not pile up requests.
    assert client.get("/org/coverage/export/").status_code == 403
    assert ExportApproval.objects.count() == 1

    page = admin.get("/accounts/exports/").content.decode()
    assert request.export in page
    assert admin.post(f"/accounts/exports/{request.pk}/decide/", {"decision": "approve"}).status_code == 302
    response = client.get("/org/coverage/export/")
    assert response.status_code == 200
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert event.detail["approval"] == request.pk
    # The approval was for one export.
    assert client.get("/org/coverage/export/").status_code == 403


def test_a_rejected_export_stays_refused(office, secadmin):
    from fangxian.accounts import services
    from fangxian.accounts.models import ExportApproval, SecurityPolicy
    from fangxian.accounts.throttle import ExportNeedsApproval
    from fangxian.audit.services import record_event

    SecurityPolicy.objects.create(pk=1, export_approval_rows=100)
    record_event(SecurityEvent.Kind.EXPORT, user=office, export="ledger", rows=100)  # at the limit: fine
    with pytest.raises(ExportNeedsApproval):
        record_event(SecurityEvent.Kind.EXPORT, user=office, export="ledger", rows=101)
    approval = ExportApproval.objects.create(user=office, export="ledger", rows=101)
    services.export_decide(approval=approval, approve=False, by=secadmin)
    with pytest.raises(ExportNeedsApproval):
        record_event(SecurityEvent.Kind.EXPORT, user=office, export="ledger", rows=101)
