"""The daily derivation: every registered rule's proposals stored once, however often the job
runs (and when two consumers run it), with the evidence linked."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from fangxian.core.supervision import Proposal, SupervisionRule, register_supervision_rule, supervision_rules
from fangxian.core.supervision import _rules as registered
from fangxian.gates.models import LeaveApplication
from fangxian.reports.models import Submission
from fangxian.supervision import services, tasks
from fangxian.supervision.models import Finding


def test_existing_apps_register_their_rules():
    keys = {rule.key for rule in supervision_rules()}
    assert {
        "reports.missed",
        "reports.late",
        "org.coverage",
        "org.one_to_one",
        "gates.leave_overdue",
        "dashboard.unexplained",
        "ledger.stay_undecided",
    } <= keys


def test_derivation_is_idempotent(desk):
    uni = desk.uni
    today = timezone.localdate()
    # The medical college reported every day but two; the other college never did.
    for n in range(3, 15):
        day = today - timedelta(days=n)
        Submission.objects.create(
            form=desk.form, unit=uni.college, day=day, version=desk.form.version_for(day), status=Submission.Status.SUBMITTED
        )
    first = services.derive(today)
    rows = list(Finding.objects.order_by("rule", "key").values_list("rule", "key", "unit_id", "count"))
    missed = {unit: count for rule, _key, unit, count in rows if rule == "reports.missed"}
    assert missed == {uni.college.pk: 2, uni.other_college.pk: 14}
    assert first.proposed == len(rows) and first.failed == ()
    # Classes without a class teacher, students without one-to-one staff: the college answers.
    assert ("org.one_to_one", uni.college.pk) in {(r, u) for r, _k, u, _c in rows}
    lead = Finding.objects.get(rule="reports.missed", unit=uni.other_college)
    assert lead.url.startswith("/reports/calendar/college-daily/") and "未报日期" in lead.evidence
    assert "未报" in lead.title and lead.status == Finding.Status.PROPOSED

    again = services.derive(today)
    assert again.proposed == 0 and again.seen == first.seen
    assert list(Finding.objects.order_by("rule", "key").values_list("rule", "key", "unit_id", "count")) == rows
    # The periodic job runs the same derivation.
    assert tasks.supervision_derive.call_local() == 0
    assert Finding.objects.count() == len(rows)


def test_a_second_consumer_meets_the_unique_constraint(desk):
    services.derive(timezone.localdate())
    lead = Finding.objects.order_by("pk").first()
    with transaction.atomic(), __import__("pytest").raises(IntegrityError):
        Finding.objects.create(
            rule=lead.rule, key=lead.key, unit=lead.unit, title="x", first_seen=lead.first_seen, last_seen=lead.last_seen
        )


def test_a_broken_rule_does_not_stop_the_others(desk):
    def broken(day):
        raise RuntimeError("boom")

    def one(day):
        yield Proposal(rule="test.one", key="k", unit_id=desk.uni.college.pk, title="测试线索")

    register_supervision_rule(SupervisionRule("test.broken", "broken", broken, order=1))
    register_supervision_rule(SupervisionRule("test.one", "one", one, order=2))
    try:
        result = services.derive(timezone.localdate())
    finally:
        registered.pop("test.broken", None)
        registered.pop("test.one", None)
    assert result.failed == ("test.broken",)
    assert Finding.objects.filter(rule="test.one", key="k").exists()
    assert Finding.objects.filter(rule="reports.missed").exists()


def test_student_overdue_from_leave_is_proposed_once(desk):
    uni = desk.uni
    now = timezone.now()
    leave = LeaveApplication.objects.create(
        student=uni.students[1],
        purpose="就医",
        destination="市人民医院",
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=2),
        status=LeaveApplication.Status.APPROVED,
    )
    services.derive(timezone.localdate())
    services.derive(timezone.localdate())
    lead = Finding.objects.get(rule="gates.leave_overdue")
    assert lead.key == f"leave:{leave.pk}" and lead.unit_id == uni.college.pk
    assert uni.students[1].name in lead.title and "市人民医院" in lead.evidence
