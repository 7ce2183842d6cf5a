"""Audit integrity: storage append-only in the database (raw SQL refused on SQLite and on
PostgreSQL), one sanctioned purge of rows past the retention, refusals and personal pages
recorded, events shipped off the host as JSON lines."""

from __future__ import annotations

import json
import logging
import logging.handlers
import socket
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fangxian.audit.appendonly import unlocked
from fangxian.audit.models import RETENTION_DAYS, SecurityEvent
from fangxian.audit.services import record_event
from fangxian.audit.shipping import JSONLineFormatter, logger, syslog_handler

pytestmark = pytest.mark.django_db


def _refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert "append-only" in str(exc)
        return True
    return False


def _log_entry(plain_user) -> LogEntry:
    # Any audited change writes one (the user model is registered with auditlog).
    plain_user.full_name = "改名"
    plain_user.save()
    return LogEntry.objects.order_by("-pk").first()


def test_raw_sql_cannot_change_or_delete_security_events(plain_user):
    event = record_event(SecurityEvent.Kind.LOGIN, user=plain_user)
    assert _refused("UPDATE audit_securityevent SET username = 'someone' WHERE id = %s", [event.pk])
    assert _refused("DELETE FROM audit_securityevent WHERE id = %s", [event.pk])
    assert _refused("DELETE FROM audit_securityevent")
    event = SecurityEvent.objects.get(pk=event.pk)
    assert event.username == plain_user.username


def test_the_triggers_know_every_column():
    from fangxian.audit.appendonly import TABLES

    for model in (SecurityEvent, LogEntry):
        assert TABLES[model._meta.db_table][2] == [f.column for f in model._meta.concrete_fields]


def test_only_unlinking_a_deleted_account_may_touch_a_row(plain_user):
    event = record_event(SecurityEvent.Kind.LOGIN, user=plain_user)
    # Unlinking and rewriting in one statement is refused; unlinking alone is what deleting
    # the account does (test_audit: the event keeps the username).
    assert _refused("UPDATE audit_securityevent SET user_id = NULL, username = 'x' WHERE id = %s", [event.pk])
    entry = _log_entry(plain_user)
    assert entry.actor_id is None or _refused("UPDATE auditlog_logentry SET actor_id = NULL, object_repr = 'x' WHERE id = %s", [entry.pk])


def test_raw_sql_cannot_change_or_delete_the_change_log(plain_user):
    entry = _log_entry(plain_user)
    assert entry is not None
    assert _refused("UPDATE auditlog_logentry SET object_repr = 'nothing happened' WHERE id = %s", [entry.pk])
    assert _refused("DELETE FROM auditlog_logentry WHERE id = %s", [entry.pk])
    assert LogEntry.objects.filter(pk=entry.pk, object_repr=entry.object_repr).exists()


def test_even_unlocked_nothing_younger_than_the_retention_goes(plain_user):
    young = SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, at=timezone.now() - timedelta(days=RETENTION_DAYS - 1))
    with transaction.atomic(), unlocked(connection):
        assert _refused("DELETE FROM audit_securityevent WHERE id = %s", [young.pk])
        assert _refused("UPDATE audit_securityevent SET username = 'x' WHERE id = %s", [young.pk])
    assert SecurityEvent.objects.filter(pk=young.pk).exists()


def test_the_purge_removes_only_rows_past_the_retention_and_is_recorded(plain_user):
    old = SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, at=timezone.now() - timedelta(days=400))
    kept = SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, at=timezone.now() - timedelta(days=RETENTION_DAYS - 2))
    entry = _log_entry(plain_user)
    with pytest.raises(CommandError):
        call_command("audit_purge", days=90)
    call_command("audit_purge", days=365)
    assert not SecurityEvent.objects.filter(pk=old.pk).exists()
    assert SecurityEvent.objects.filter(pk=kept.pk).exists() and LogEntry.objects.filter(pk=entry.pk).exists()
    purge = SecurityEvent.objects.get(kind=SecurityEvent.Kind.AUDIT_PURGED)
    assert purge.detail["events"] == 1 and purge.detail["changes"] == 0
    # Outside the purge the lock is back.
    assert _refused("DELETE FROM audit_securityevent WHERE id = %s", [kept.pk])


def test_refusals_are_recorded(uni, plain_user, client, verified_client, office):
    client.force_login(plain_user)
    assert client.get("/audit/").status_code == 403
    refused = SecurityEvent.objects.get(kind=SecurityEvent.Kind.REFUSED)
    assert refused.user == plain_user and refused.detail["status"] == 403 and refused.detail["path"] == "/audit/"
    client = verified_client(office)
    assert client.get("/org/students/999999999/").status_code == 404
    assert client.get("/api/v1/org/students/999999999/").status_code == 404
    statuses = list(SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REFUSED, user=office).values_list("detail", flat=True))
    assert [(d["status"], d["path"]) for d in statuses] == [
        (404, "/api/v1/org/students/999999999/"),
        (404, "/org/students/999999999/"),
    ]
    # A stranger's unknown URL is no event.
    client.logout()
    client.get("/no-such-page/")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REFUSED).count() == 3


def test_views_of_personal_pages_are_recorded(uni, verified_client, office):
    client = verified_client(office)
    student, staff = uni.students[0], uni.counselor
    assert client.get(f"/org/students/{student.pk}/").status_code == 200
    assert client.get(f"/org/staff/{staff.pk}/").status_code == 200
    views = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PERSONAL_VIEW, user=office).order_by("at", "pk")
    assert [v.detail for v in views] == [{"student": student.pk}, {"staff": staff.pk}]


@pytest.fixture
def shipped():
    """Attach a handler to the security logger for the test, as the settings would."""
    added = []

    def attach(handler):
        handler.setFormatter(JSONLineFormatter())
        logger.addHandler(handler)
        added.append(handler)
        return handler

    previous = logger.level
    logger.setLevel(logging.INFO)
    yield attach
    for handler in added:
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(previous)


def test_events_are_shipped_as_json_lines_to_a_rotating_file_once_committed(
    plain_user, shipped, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "security.jsonl"
    shipped(logging.handlers.TimedRotatingFileHandler(path, when="midnight", backupCount=200, encoding="utf-8"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = record_event(SecurityEvent.Kind.EXPORT, user=plain_user, rows=12)
    assert not path.read_text()  # not before the commit
    for callback in callbacks:
        callback()
    line = json.loads(path.read_text().strip())
    assert line["id"] == event.pk and line["kind"] == "export" and line["username"] == plain_user.username
    assert line["detail"] == {"rows": 12}


def test_events_are_shipped_to_syslog(plain_user, shipped, django_capture_on_commit_callbacks):
    collector = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    collector.bind(("127.0.0.1", 0))
    collector.settimeout(5)
    try:
        shipped(syslog_handler(f"127.0.0.1:{collector.getsockname()[1]}"))
        with django_capture_on_commit_callbacks(execute=True):
            record_event(SecurityEvent.Kind.LOGIN_FAILED, username="张三")
        datagram = collector.recv(65536).decode()
    finally:
        collector.close()
    assert datagram.startswith("<")  # the syslog priority
    payload = json.loads(datagram[datagram.index(">") + 1 :].rstrip("\x00"))
    assert payload["kind"] == "login_failed" and payload["username"] == "张三"
