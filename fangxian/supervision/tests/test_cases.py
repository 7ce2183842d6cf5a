"""督办 from a lead to a unit, the unit's answer with attachments, the inspector's decision;
refusals for the wrong role, the wrong scope, bad attachments and answers after closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from fangxian.deadlines.models import Deadline
from fangxian.deadlines.services import tick
from fangxian.notify.models import Notification
from fangxian.org.testing import make_image
from fangxian.supervision import access, documents, selectors, services
from fangxian.supervision.models import Answer, Case, Finding

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def lead(desk, unit=None) -> Finding:
    unit = unit or desk.uni.college
    day = timezone.localdate()
    key = f"t:{unit.pk}:{Finding.objects.count()}"
    return Finding.objects.create(rule="reports.missed", key=key, unit=unit, title="医学院近14天日报未报3次", first_seen=day, last_seen=day)


def send(desk, **kw) -> Case:
    kw.setdefault("unit", desk.uni.college)
    if "findings" not in kw:
        kw["findings"] = [lead(desk, kw["unit"])]
    return services.case_create(
        user=kw.pop("user", desk.inspector), title="日报未报", requirement="说明原因并整改", due_at=kw.pop("due_at", desk.due()), **kw
    )


def test_discipline_inspection_sends_a_case_from_a_lead(desk):
    case = send(desk)
    assert case.number.startswith("督办〔") and case.status == Case.Status.OPEN
    assert case.findings.get().status == Finding.Status.TAKEN
    # The unit's responsible people come from the assignments on the unit.
    assert {s.name for s in case.responsible.all()} == {"包抓领导 王刚", "学院专员 孙丽"}
    assert Deadline.objects.filter(kind="supervision.case", object_id=case.pk, done_at__isnull=True).exists()
    assert Notification.objects.filter(user=desk.uni.college_admin_user, kind="supervision").exists()
    second = send(desk, unit=desk.uni.other_college)
    assert second.number != case.number


def test_a_lead_is_taken_once(desk):
    finding = lead(desk)
    send(desk, findings=[finding])
    with pytest.raises(ValidationError) as exc:
        send(desk, findings=[finding])
    assert "已处理" in str(exc.value.message_dict["findings"])


def test_bad_input_is_refused_in_chinese(desk):
    with pytest.raises(ValidationError) as exc:
        services.case_create(
            user=desk.inspector, unit=desk.uni.college, title="", requirement="", due_at=timezone.now() - timedelta(hours=1)
        )
    assert set(exc.value.message_dict) == {"title", "requirement", "due_at"}
    assert "答复期限" in exc.value.message_dict["due_at"][0]
    other_lead = lead(desk, desk.uni.other_college)
    with pytest.raises(ValidationError) as exc:
        send(desk, findings=[other_lead])
    assert "其他单位" in exc.value.message_dict["findings"][0]
    assert not Case.objects.exists()


def test_only_inspectors_send(desk):
    for user in (desk.uni.college_admin_user, desk.leader, desk.uni.counselor_user):
        with pytest.raises(PermissionDenied):
            send(desk, user=user)
    # The office sends too (its scope is writable anyway).
    assert send(desk, user=desk.office).created_by == desk.office


def test_the_unit_answers_and_the_inspector_closes(desk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = send(desk)
    answer = services.answer_submit(
        user=desk.uni.college_admin_user,
        case=case,
        kind=Answer.Kind.RECTIFICATION,
        text="已明确AB角，补报日报。",
        files=[("整改报告.pdf", PDF), ("现场.png", make_image(fmt="PNG"))],
    )
    case.refresh_from_db()
    assert case.status == Case.Status.ANSWERED and case.answered_on_time
    assert sorted(a.kind for a in answer.attachments.all()) == ["image", "pdf"]
    assert Deadline.objects.get(kind="supervision.case", object_id=case.pk).done_at is not None
    with pytest.raises(ValidationError):  # one answer waiting is enough
        services.answer_submit(user=desk.uni.college_admin_user, case=case, kind=Answer.Kind.STATEMENT, text="再说一次")
    services.answer_decide(user=desk.inspector, case=case, decision=Answer.Decision.ACCEPTED, note="整改到位")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.closed_by == desk.inspector
    with pytest.raises(ValidationError) as exc:
        services.answer_submit(user=desk.uni.college_admin_user, case=case, kind=Answer.Kind.STATEMENT, text="补充")
    assert "已办结" in exc.value.messages[0]
    assert case.answers.count() == 1
    # Both formal documents are Word files.
    for data in (documents.notice(case), documents.closing_record(case)):
        assert data[:2] == b"PK" and len(data) > 5000


def test_return_and_escalate(desk):
    case = send(desk)
    services.answer_submit(user=desk.uni.college_admin_user, case=case, kind=Answer.Kind.STATEMENT, text="说明")
    with pytest.raises(ValidationError):  # a return needs what is missing and a new deadline
        services.answer_decide(user=desk.inspector, case=case, decision=Answer.Decision.RETURNED)
    services.answer_decide(user=desk.inspector, case=case, decision=Answer.Decision.RETURNED, note="未说明原因", due_at=desk.due(2))
    case.refresh_from_db()
    assert case.status == Case.Status.RETURNED and case.answers.get().decision == Answer.Decision.RETURNED
    services.answer_decide(user=desk.inspector, case=case, decision=Answer.Decision.ESCALATED, note="仍未整改", due_at=desk.due(1))
    case.refresh_from_db()
    assert case.status == Case.Status.ESCALATED and case.escalated_at is not None
    assert Notification.objects.filter(user=desk.college_leader_user, kind="supervision", title__contains="升级").exists()


def test_a_bad_attachment_saves_nothing(desk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = send(desk)
    with pytest.raises(ValidationError) as exc:
        services.answer_submit(
            user=desk.uni.college_admin_user,
            case=case,
            kind=Answer.Kind.RECTIFICATION,
            text="见附件",
            files=[("整改报告.pdf", PDF), ("整改报告.docx", b"<script>alert(1)</script>")],
        )
    assert "整改报告.docx" in " ".join(exc.value.message_dict["files"])
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN and not case.answers.exists()
    assert not list(tmp_path.rglob("*.pdf"))


def test_scope_of_the_unit(desk):
    case = send(desk)
    # The other college's people do not see it (404) and cannot answer it.
    assert not selectors.visible_cases(desk.uni.other_counselor_user).filter(pk=case.pk).exists()
    with pytest.raises(Http404):
        services.answer_submit(user=desk.uni.other_counselor_user, case=case, kind=Answer.Kind.STATEMENT, text="x")
    # A counselor of one grade does not see the college's 督办 either.
    assert not selectors.visible_cases(desk.uni.counselor_user).filter(pk=case.pk).exists()
    # A school leader sees it but does not answer for the unit (read-only scope).
    assert selectors.visible_cases(desk.leader).filter(pk=case.pk).exists()
    with pytest.raises(PermissionDenied):
        services.answer_submit(user=desk.leader, case=case, kind=Answer.Kind.STATEMENT, text="x")
    # The responsible leader named on the 督办 answers.
    assert access.can_answer(desk.college_leader_user, case)
    assert [c.pk for c in selectors.cases_to_answer(desk.college_leader_user)] == [case.pk]


def test_leaders_read_but_do_not_decide(desk):
    case = send(desk)
    assert selectors.visible_cases(desk.leader).filter(pk=case.pk).exists()
    with pytest.raises(PermissionDenied):
        services.answer_decide(user=desk.leader, case=case, decision=Answer.Decision.ESCALATED, note="x", due_at=desk.due())


def test_overdue_reminders_then_the_leader_once(desk):
    case = send(desk, due_at=timezone.now() + timedelta(hours=2))
    now = timezone.now()
    tick(now=now, kinds=["supervision.case"])  # the reminder (a day before) is due
    tick(now=now, kinds=["supervision.case"])
    assert Notification.objects.filter(user=desk.uni.college_admin_user, kind="supervision.case.remind").count() == 1
    later = case.due_at + timedelta(days=1, minutes=1)
    tick(now=later, kinds=["supervision.case"])
    tick(now=later, kinds=["supervision.case"])
    assert Notification.objects.filter(user=desk.college_leader_user, kind="supervision.case.leader").count() == 1
    rows = selectors.standing(desk.office, now=later)
    light = {r.unit.pk: r.light for r in rows}
    assert light[desk.uni.college.pk] == "red" and light[desk.uni.other_college.pk] == "green"
