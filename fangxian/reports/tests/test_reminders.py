from __future__ import annotations

import contextlib
import threading

import pytest
from django.core import mail
from django.utils import timezone

from fangxian.deadlines.models import SentStep
from fangxian.deadlines.tasks import deadlines_tick
from fangxian.notify.models import Notification
from fangxian.notify.tests.test_channels import FakeWebhook
from fangxian.reports import services
from fangxian.reports.reminders import send_due_reminders


def kinds(user):
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_nothing_before_the_reminder_window(rep):
    assert send_due_reminders(now=rep.at(8, 30)) == {"before": 0, "escalation": 0}
    assert not Notification.objects.exists()


def test_reminded_once_before_and_escalated_once_after(rep, office):
    send_due_reminders(now=rep.at(9, 5))
    send_due_reminders(now=rep.at(9, 30))
    admin = rep.uni.college_admin_user
    assert kinds(admin) == ["reports.before"]
    assert kinds(rep.leader_user) == [] and kinds(office) == []
    # The other college is reminded too, through its own admin.
    assert kinds(rep.other_admin_user) == ["reports.before"]
    send_due_reminders(now=rep.at(10, 5))
    send_due_reminders(now=rep.at(10, 30))
    assert kinds(admin) == ["reports.before"]
    assert kinds(rep.leader_user) == ["reports.escalation"]
    office_notes = Notification.objects.filter(user=office, kind="reports.escalation")
    assert office_notes.filter(title__contains="医学院").count() == 1
    assert office_notes.filter(title__contains="文学院").count() == 1
    note = Notification.objects.filter(user=rep.leader_user).get()
    assert "医学院" in note.title and "学院日报" in note.title
    assert SentStep.objects.filter(step="escalation", deadline__key__startswith=f"{rep.form.code}:").count() == 2


def test_reminders_stop_when_the_unit_submits(rep, office):
    send_due_reminders(now=rep.at(9, 5))
    services.submission_save(
        user=rep.uni.college_admin_user,
        form=rep.form,
        unit=rep.uni.college,
        day=timezone.localdate(),
        now=rep.at(9, 10),
        **rep.zero_report(),
    )
    send_due_reminders(now=rep.at(10, 5))
    assert kinds(rep.leader_user) == []
    assert not Notification.objects.filter(user=office, body__contains="医学院").exists()
    assert Notification.objects.filter(user=office, body__contains="文学院").count() == 1


def test_a_draft_does_not_stop_the_escalation(rep):
    services.submission_save(
        user=rep.uni.college_admin_user,
        form=rep.form,
        unit=rep.uni.college,
        day=timezone.localdate(),
        now=rep.at(9),
        submit=False,
        data={"headcount": {"total": 3}},
        zero_sections=[],
    )
    send_due_reminders(now=rep.at(10, 5))
    assert kinds(rep.leader_user) == ["reports.escalation"]


def test_mail_and_webhook_when_configured(rep, settings, django_capture_on_commit_callbacks):
    server = FakeWebhook()
    settings.NOTIFY_WEBHOOKS = [("wecom", f"{server.url}/send?key=k")]
    rep.uni.college_admin_user.email = "college1@example.edu.cn"
    rep.uni.college_admin_user.save()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            send_due_reminders(now=rep.at(9, 5))
        with django_capture_on_commit_callbacks(execute=True):
            send_due_reminders(now=rep.at(9, 6))
    finally:
        server.close()
    assert [m.to for m in mail.outbox] == [["college1@example.edu.cn"]]
    # One group message per form and run (the security and logistics forms are due too).
    texts = [r["body"]["text"]["content"] for r in server.received]
    assert len(texts) == 3
    text = next(t for t in texts if "学院日报" in t)
    assert "医学院" in text and "文学院" in text and "学院日报" in text


def test_the_periodic_task_runs(rep):
    # The engine's job passes the real time to the tick; whatever the hour, it reports both steps.
    assert set(deadlines_tick.call_local()["reports.form"]) == {"before", "escalation"}


@pytest.mark.django_db(transaction=True)
def test_several_consumers_send_each_reminder_once(uni, headcount_prefill):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from .conftest import Reporting

    rep = Reporting(uni)
    now = rep.at(10, 5)

    # SQLite's in-memory test database cannot wait for a lock held by another thread (it
    # fails at once instead of waiting like a file database with busy_timeout), so there the
    # consumers take turns; on PostgreSQL they really race for the claims.
    turn = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def consumer(_):
        try:
            with turn:
                return send_due_reminders(now=now)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(consumer, range(4)))
    # Four units are late (two colleges, logistics, security): each escalated once in all.
    assert sum(r["escalation"] for r in results) == 4
    assert Notification.objects.filter(user=rep.leader_user).count() == 1
    assert SentStep.objects.filter(deadline__kind="reports.form").count() == 4


def test_report_deadlines_are_planned_once_and_leave_the_overdue_list_after_a_week(rep):
    from datetime import timedelta

    from fangxian.deadlines.models import Deadline
    from fangxian.deadlines.selectors import overdue_for
    from fangxian.reports.reminders import KIND, plan

    plan(rep.at(8, 30))
    assert not Deadline.objects.filter(kind=KIND).exists()  # the reminder window is not open yet
    plan(rep.at(9, 5))
    today = Deadline.objects.filter(kind=KIND, key=f"{rep.form.code}:{timezone.localdate().isoformat()}")
    assert today.count() == rep.form.expected_units().count()
    planned = Deadline.objects.count()
    plan(rep.at(9, 6))
    assert Deadline.objects.count() == planned
    # The college admin sees their own college's late report in the overdue list, no other.
    late = overdue_for(rep.uni.college_admin_user, rep.at(10, 5)).filter(key__startswith=f"{rep.form.code}:")
    assert [row.target for row in late] == [rep.uni.college]
    # A week later the unreported day leaves the list (the reports' pages still say 未报).
    plan(rep.at(10, 5) + timedelta(days=8))
    assert not today.filter(cancelled_at__isnull=True).exists()
