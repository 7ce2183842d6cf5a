"""The audit trail: row changes (django-auditlog), security events, the audit admin's page."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.test import Client
from django.utils import timezone

from fangxian.accounts.models import RoleGrant, User
from fangxian.audit.models import AppendOnlyError, SecurityEvent
from fangxian.audit.services import record_event
from fangxian.web.models import SiteConfig

pytestmark = pytest.mark.django_db

# Models that are not domain data: the audit tables themselves and technical bookkeeping
# (delivery records, reminder claims and idempotency keys are logs of their own).
# gates.Scan is an append-only record of its own (updates and deletes are refused).
NOT_AUDITED = {
    "audit.SecurityEvent",
    "accounts.LoginSession",
    "core.Heartbeat",
    # Job machinery, file bytes and the key fingerprint: operational rows, many per minute
    # (files are audited through the rows that name them; key changes are security events).
    "core.InstallationKey",
    "core.OutboxJob",
    "core.PeriodicRun",
    "core.Lease",
    "core.StoredFile",
    "notify.Notification",
    "notify.Delivery",
    "deadlines.SentStep",
    "reports.IdempotencyKey",
    "gates.Scan",
    # The dashboard's roll-ups are derived from audited data and rebuilt at will.
    "dashboard.DirtyDay",
    "dashboard.StudentDayScan",
    "dashboard.ClassDay",
    "dashboard.CollegeDay",
    "dashboard.CampusDay",
    # An index of security events by person (itself a copy of the append-only log).
    "privacy.AccessRecord",
}


def test_every_fangxian_model_is_registered_with_auditlog():
    missing = [
        model._meta.label
        for config in apps.get_app_configs()
        if config.name.startswith("fangxian.")
        for model in config.get_models()
        if model._meta.label not in NOT_AUDITED and not auditlog.contains(model)
    ]
    assert missing == [], f"register these with auditlog in their AppConfig.ready(): {missing}"


def test_changes_through_a_page_record_actor_address_and_request_id(sysadmin, verified_client):
    client = verified_client(sysadmin)
    form = {"institution_name": "示例大学", "notice_banner": "", "support_contact": "信息中心 8888"}
    response = client.post("/settings/", form, HTTP_X_REQUEST_ID="req-create-0001", REMOTE_ADDR="10.2.3.4")
    assert response.status_code == 302
    created = LogEntry.objects.get_for_model(SiteConfig).get()
    assert created.action == LogEntry.Action.CREATE
    assert created.actor == sysadmin
    assert created.remote_addr == "10.2.3.4"
    assert created.cid == "req-create-0001"
    assert created.changes_dict["institution_name"] == ["None", "示例大学"]

    client.post("/settings/", {**form, "notice_banner": "明日开学"}, HTTP_X_REQUEST_ID="req-update-0002")
    updated = LogEntry.objects.get_for_model(SiteConfig).get(action=LogEntry.Action.UPDATE)
    assert updated.changes_dict == {"notice_banner": ["", "明日开学"]}
    assert updated.cid == "req-update-0002"


def test_role_grant_and_revoke_are_recorded_as_create_and_delete(secadmin, verified_client, make_user):
    subject = make_user("liuyang")
    client = verified_client(secadmin)
    client.post(f"/accounts/users/{subject.pk}/", {"grant-role": "leader"}, HTTP_X_REQUEST_ID="req-grant-0001")
    client.post(f"/accounts/users/{subject.pk}/roles/leader/revoke/", HTTP_X_REQUEST_ID="req-revoke-0001")
    entries = LogEntry.objects.get_for_model(RoleGrant).exclude(cid=None).order_by("id")
    assert [(e.action, e.cid, e.actor) for e in entries] == [
        (LogEntry.Action.CREATE, "req-grant-0001", secadmin),
        (LogEntry.Action.DELETE, "req-revoke-0001", secadmin),
    ]
    # The security event of the same request carries the same id.
    assert SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_GRANTED).request_id == "req-grant-0001"


def test_changes_outside_a_request_have_no_request_id(make_user, client, plain_user):
    client.get("/healthz", HTTP_X_REQUEST_ID="req-earlier-0001")
    make_user("liuyang", "leader")  # e.g. a management command or a job
    assert LogEntry.objects.get_for_model(RoleGrant).get().cid is None


def test_forwarded_address_counts_only_behind_a_trusted_proxy(client, settings, sysadmin, verified_client):
    form = {"institution_name": "示例大学", "notice_banner": "", "support_contact": ""}
    c = verified_client(sysadmin)
    c.post("/settings/", form, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert LogEntry.objects.get_for_model(SiteConfig).last().remote_addr == "10.0.0.9"
    settings.FANGXIAN_PROXY_COUNT = 1
    c.post("/settings/", {**form, "support_contact": "8888"}, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 172.16.5.20")
    assert LogEntry.objects.get_for_model(SiteConfig).order_by("id").last().remote_addr == "172.16.5.20"
    assert SecurityEvent.objects.filter(ip_address="6.6.6.6").count() == 0


def test_password_hashes_are_not_copied_into_the_log(make_user):
    user = make_user("liuyang")
    user.set_password("Another-Lantern-2024")
    user.save()
    for entry in LogEntry.objects.get_for_model(User):
        assert "password" not in entry.changes_dict


def test_security_events_are_append_only(plain_user):
    event = record_event(SecurityEvent.Kind.EXPORT, user=plain_user, rows=12)
    event.detail = {"rows": 0}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        SecurityEvent.objects.filter(pk=event.pk).update(detail={})
    with pytest.raises(AppendOnlyError):
        SecurityEvent.objects.all().delete()
    assert SecurityEvent.objects.get(pk=event.pk).detail == {"rows": 12}


def test_deleting_a_user_keeps_their_events(plain_user):
    record_event(SecurityEvent.Kind.LOGIN, user=plain_user)
    plain_user.delete()
    event = SecurityEvent.objects.get()
    assert event.user is None
    assert event.username == "plain1"


# ---------------------------------------------------------------------------
# The audit admin's page


@pytest.fixture
def audit_client(auditor, verified_client):
    return verified_client(auditor)


@pytest.fixture
def trail(make_user, plain_user):
    """Some history: two users' events on different days and a data change."""
    other = make_user("wangfang", full_name="王芳")
    record_event(SecurityEvent.Kind.LOGIN_FAILED, username="wangfang")
    record_event(SecurityEvent.Kind.LOGIN, user=plain_user)
    record_event(SecurityEvent.Kind.EXPORT, user=other, rows=30)
    return other


def test_audit_admin_sees_data_changes_by_default(audit_client, trail):
    response = audit_client.get("/audit/")
    assert response.status_code == 200
    assert response.context["source"] == "changes"
    assert LogEntry.objects.count() > 0
    assert len(response.context["page"]) == min(50, LogEntry.objects.count())
    assert "no-store" in response["Cache-Control"]


def test_audit_admin_filters_events_by_user_and_kind(audit_client, trail):
    response = audit_client.get("/audit/", {"source": "events", "user": "wangfang"})
    kinds = sorted(e.kind for e in response.context["page"])
    assert kinds == ["export", "login_failed"]
    response = audit_client.get("/audit/", {"kind": "export"})
    assert response.context["source"] == "events"
    assert [e.username for e in response.context["page"]] == ["wangfang"]
    assert "导出数据" in response.content.decode()


def test_audit_admin_filters_by_request_id_and_date(audit_client, trail):
    Client().post("/accounts/login/", {"username": "wangfang", "password": "wrong-password-1"}, HTTP_X_REQUEST_ID="req-failed-login-01")
    response = audit_client.get("/audit/", {"source": "events", "request_id": "req-failed-login-01"})
    assert [(e.kind, e.username) for e in response.context["page"]] == [("login_failed", "wangfang")]
    today = timezone.localdate()
    response = audit_client.get("/audit/", {"source": "events", "date_from": today.isoformat(), "date_to": today.isoformat()})
    assert len(response.context["page"]) == SecurityEvent.objects.count()
    tomorrow = today + timedelta(days=1)
    response = audit_client.get("/audit/", {"source": "events", "date_from": tomorrow.isoformat()})
    assert len(response.context["page"]) == 0


def test_audit_filter_refuses_a_reversed_date_range_in_chinese(audit_client, trail):
    today = timezone.localdate()
    response = audit_client.get("/audit/", {"date_from": today.isoformat(), "date_to": (today - timedelta(days=3)).isoformat()})
    assert response.status_code == 200
    assert "开始日期晚于结束日期" in response.content.decode()


def test_audit_filter_by_object_type(audit_client, make_user):
    make_user("liuyang", "leader")
    response = audit_client.get("/audit/", {"model": "rolegrant"})
    assert {e.content_type.model for e in response.context["page"]} == {"rolegrant"}


@pytest.mark.parametrize("outsider", ["office", "secadmin", "sysadmin", "plain_user"])
def test_only_the_audit_admin_reads_the_log(request, verified_client, outsider):
    client = verified_client(request.getfixturevalue(outsider))
    assert client.get("/audit/").status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_audit_page_offers_no_way_to_change_the_log(audit_client, method):
    assert getattr(audit_client, method)("/audit/").status_code == 405


def test_there_is_no_generic_admin_site(audit_client):
    assert audit_client.get("/admin/").status_code == 404
