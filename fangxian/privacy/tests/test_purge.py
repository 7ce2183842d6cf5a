"""End the emergency, move past its retention, purge: no epidemic-only personal data is
left, the dashboard's past daily counts are the same, and a signed certificate says what
went. The purge runs once per key, resumes after an interruption, and never touches the
audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.dashboard import rollup
from fangxian.dashboard.models import CampusDay, ClassDay, StudentDayScan
from fangxian.gates import services as gate_services
from fangxian.gates.models import GateAlert, LeaveApplication, Scan, Visit
from fangxian.privacy import certificate, purge, services
from fangxian.privacy.models import EmergencyEnd, PurgeRun
from fangxian.reports import services as report_services
from fangxian.reports.models import Submission


def _figures():
    return (
        sorted(ClassDay.objects.values_list("day", "klass_id", "ledger", "present", "out_not_back", "on_leave", "overdue")),
        sorted((c.day, c.campus_id, c.scans, c.refused, sum(c.traffic_in), sum(c.traffic_out)) for c in CampusDay.objects.all()),
    )


def _epidemic_world(dash, rep):
    uni, today = dash.uni, dash.today
    now = timezone.now()
    dash.scan(uni.students[1], "out")
    dash.scan(uni.students[2], "out")
    dash.scan(uni.students[2], "in")
    leave = gate_services.leave_apply(
        student=uni.students[0], purpose="就医", destination="市第一人民医院发热门诊", starts_at=now, ends_at=now + timedelta(hours=3)
    )
    gate_services.leave_decide(leave=leave, staff=uni.counselor, approve=True)
    GateAlert.objects.create(kind="overdue", campus=uni.campus, subject=f"S{uni.students[0].pk}", leave=leave, message="张三 未按时返校")
    submission = report_services.submission_save(
        user=uni.college_admin_user, form=rep.form, unit=uni.college, day=today, now=rep.at(8), **rep.zero_report()
    )
    data = {**submission.data, "other": {"note": "学生李四发热，已送医"}}
    Submission.objects.filter(pk=submission.pk).update(data=data, review_comment="请跟进李四")
    rollup.refresh_day(today)
    return submission


def _end_emergency(office, secadmin, ends_on):
    end = services.emergency_end_request(ends_on=ends_on, note="疫情防控转入常态化", by=office)
    with pytest.raises(ValidationError) as refused:
        services.emergency_end_decide(end=end, approve=True, by=office)
    assert "其他人" in refused.value.messages[0] or "不同" in refused.value.messages[0]
    return services.emergency_end_decide(end=end, approve=True, by=secadmin)


def test_end_of_the_emergency_purges_epidemic_data_and_keeps_the_counts(dash, rep, office, secadmin):
    uni, today = dash.uni, dash.today
    submission = _epidemic_world(dash, rep)
    figures = _figures()
    assert Scan.objects.count() == 3 and StudentDayScan.objects.exists() and LeaveApplication.objects.count() == 1
    record_event(SecurityEvent.Kind.PERSONAL_VIEW, user=office, student=uni.students[0].pk)

    # Before the end, a nightly run leaves the epidemic data alone.
    early = purge.run_purge(key="early")
    assert early.total("deleted") == 0 and Scan.objects.count() == 3

    end = _end_emergency(office, secadmin, today)
    assert end.purge_on == today + timedelta(days=30)
    events = set(SecurityEvent.objects.values_list("pk", flat=True))
    # 29 days later: still inside the retention.
    purge.run_purge(key="day29", as_of=timezone.now() + timedelta(days=29))
    assert Scan.objects.count() == 3 and EmergencyEnd.objects.get().purged_at is None

    run = purge.run_purge(key="day31", as_of=timezone.now() + timedelta(days=31))
    assert run.state == PurgeRun.State.DONE
    assert not Scan.objects.exists()
    assert not StudentDayScan.objects.exists()
    assert not LeaveApplication.objects.exists() and not GateAlert.objects.exists()
    kept = Submission.objects.get(pk=submission.pk)
    assert kept.data["other"]["note"] == "" and kept.review_comment == ""
    assert kept.data["headcount"] == submission.data["headcount"]  # the figures stay
    assert run.counts["gates.scan"]["deleted"] == 3 and run.counts["gates.leaveapplication"]["deleted"] == 1
    assert run.counts["reports.submission"]["deidentified"] == 1
    # The dashboard's past days keep their numbers; the audit log keeps every event.
    assert _figures() == figures
    assert events <= set(SecurityEvent.objects.values_list("pk", flat=True))

    end.refresh_from_db()
    assert end.purged_at is not None
    tables = {t["table"]: t for t in end.certificate["tables"]}
    assert tables["gates.scan"]["deleted"] == 3
    assert all(r["rows_of_the_emergency_held"] == 0 for r in end.certificate["remaining"] if r["mode"] == "delete")
    assert certificate.verify(end.certificate, end.signature)
    assert not certificate.verify({**end.certificate, "issued_at": "2020-01-01"}, end.signature)
    # Nothing of the data is in the run's record: counts only.
    assert "李四" not in str(run.counts) and "医院" not in str(run.counts)

    # Started again: the finished run is returned, nothing runs twice.
    again = purge.run_purge(key="day31", as_of=timezone.now() + timedelta(days=40))
    assert again.pk == run.pk and again.counts == run.counts


def test_an_interrupted_purge_resumes_where_it_stopped(dash, rep, office, secadmin, monkeypatch):
    _epidemic_world(dash, rep)
    _end_emergency(office, secadmin, dash.today)
    as_of = timezone.now() + timedelta(days=31)
    # The first run stops after one table (as a killed consumer would), with its progress saved.
    run = PurgeRun.objects.create(key="resume", as_of=as_of, emergency=EmergencyEnd.objects.get())
    first = next(s for s in purge.plan(as_of, run.emergency) if s.key == "gates.scan")
    monkeypatch.setattr(purge, "BATCH", 2)
    purge._run_step(run, first, None)
    run.refresh_from_db()
    assert run.progress["gates.scan"]["done"] and run.counts["gates.scan"]["deleted"] == 3
    assert LeaveApplication.objects.count() == 1
    resumed = purge.run_purge(key="resume")
    assert resumed.pk == run.pk and resumed.state == PurgeRun.State.DONE
    assert resumed.counts["gates.scan"]["deleted"] == 3  # not counted twice
    assert not LeaveApplication.objects.exists()


def test_retention_by_date_deletes_old_visits_and_keeps_recent_ones(uni, office):
    now = timezone.now()
    old = Visit.objects.create(
        campus=uni.campus,
        host=uni.counselor,
        name="王五",
        id_number="620102199001011234",
        purpose="送物品",
        starts_at=now - timedelta(days=400),
        ends_at=now - timedelta(days=399),
    )
    recent = Visit.objects.create(
        campus=uni.campus,
        host=uni.counselor,
        name="赵六",
        id_number="620102199001012345",
        purpose="送物品",
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=2),
    )
    run = purge.run_purge(key="visits")
    assert set(Visit.objects.values_list("pk", flat=True)) == {recent.pk}
    assert run.counts["gates.visit"]["deleted"] == 1 and not Visit.objects.filter(pk=old.pk).exists()


def test_audit_log_is_never_purged_by_the_job(office):
    record_event(SecurityEvent.Kind.LOGIN, user=office)
    SecurityEvent.objects.filter(pk=SecurityEvent.objects.get().pk)  # exists
    purge.run_purge(key="audit", as_of=timezone.now() + timedelta(days=5000))
    assert SecurityEvent.objects.count() == 1
    assert all(step.entry.label != "audit.securityevent" for step in purge.plan(timezone.now() + timedelta(days=5000), None))


def test_a_table_wholly_due_is_emptied_at_once_and_one_row_kept_means_batches(dash, rep, office, secadmin, monkeypatch):
    _epidemic_world(dash, rep)
    _end_emergency(office, secadmin, dash.today)
    # One scan made after the emergency (a gate still scanning): not due 31 days from now.
    later = Scan.objects.order_by("pk").last()
    Scan._base_manager.filter(pk=later.pk).update(scanned_at=timezone.now() + timedelta(days=5))
    emptied = {}
    whole = purge._emptied_whole

    def spy(run, step, *args):
        emptied[step.key] = whole(run, step, *args)
        return emptied[step.key]

    monkeypatch.setattr(purge, "_emptied_whole", spy)
    monkeypatch.setattr(purge, "BATCH", 1)
    run = purge.run_purge(key="one-kept", as_of=timezone.now() + timedelta(days=31))
    assert list(Scan.objects.values_list("pk", flat=True)) == [later.pk]
    assert run.counts["gates.scan"]["deleted"] == 2 and emptied["gates.scan"] is False
    assert emptied["dashboard.studentdayscan"] is True and not StudentDayScan.objects.exists()
    # A table other rows point at never goes in one statement (its alerts first, then itself).
    assert emptied["gates.leaveapplication"] is False and not LeaveApplication.objects.exists()

    emptied.clear()
    again = purge.run_purge(key="all-due", as_of=timezone.now() + timedelta(days=40))
    assert emptied["gates.scan"] is True and not Scan.objects.exists()
    assert again.counts["gates.scan"] == {"deleted": 1, "deidentified": 0, "kept": 0}
    assert again.progress["gates.scan"]["done"]
