"""Publishing, audiences, reading with questions, re-notifying, versions, and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from fangxian.notices import selectors, services
from fangxian.notices.models import Attachment, AudienceKind, Notice, Receipt, Reminder, Status
from fangxian.notify.models import Notification
from fangxian.org.models import AssignmentRole

from .conftest import PDF, college_audience, draft, published

QUESTIONS = "1. 出入校门需要出示什么？\nA. 通行码 *\nB. 饭卡\n2. 离校前向谁报备？\nA. 室友\nB. 辅导员 *"


def zh(exc) -> str:
    with translation.override("zh-hans"):
        return " ".join(str(m) for m in exc.value.messages)


def test_publish_to_one_college_makes_a_receipt_per_person_and_notifies_those_with_accounts(world):
    notice = published(world)
    assert notice.status == Status.PUBLISHED
    receipts = Receipt.objects.filter(notice=notice)
    students = {r.student_id for r in receipts if r.student_id}
    staff = {r.staff_id for r in receipts if r.staff_id}
    assert students == {s.pk for s in world.uni.students}
    assert staff == {world.uni.counselor.pk, world.uni.college_admin.pk}
    assert notice.recipients == 5
    # The students' class is where they count in the tree.
    assert {r.unit_id for r in receipts if r.student_id} == {world.uni.klass.pk}
    notified = set(Notification.objects.filter(kind="notices.published").values_list("user__username", flat=True))
    assert notified == {"student1", "student2", "student3", "counselor1", "college1"}
    assert "student-other" not in notified


def test_publishing_twice_writes_nothing_more(world):
    notice = published(world)
    with pytest.raises(ValidationError):
        services.publish(notice=notice, by=world.office)
    assert Receipt.objects.filter(notice=notice).count() == 5
    assert services._publish(notice, services.resolve_audience(notice.institution, notice.audience.all()), timezone.now()) is False
    assert Receipt.objects.filter(notice=notice).count() == 5


def test_audiences_by_role_campus_list_and_institution(world):
    uni = world.uni
    inst = uni.institution
    role = services.resolve_audience(inst, [services.AudienceSpec(AudienceKind.ROLE, role=AssignmentRole.COUNSELOR)])
    assert set(role.staff) == {uni.counselor.pk, uni.other_counselor.pk} and not role.students
    narrowed = services.resolve_audience(inst, [services.AudienceSpec(AudienceKind.ROLE, role=AssignmentRole.COUNSELOR, unit=uni.college)])
    assert set(narrowed.staff) == {uni.counselor.pk}
    guards = services.resolve_audience(inst, [services.AudienceSpec(AudienceKind.ROLE, role=AssignmentRole.GATE_GUARD)])
    assert set(guards.staff) == {uni.guard.pk}
    campus = services.resolve_audience(inst, [services.AudienceSpec(AudienceKind.CAMPUS, campus=uni.campus)])
    assert set(campus.students) == {s.pk for s in uni.students + uni.other_students}  # all have beds on 校本部
    listed = services.resolve_audience(
        inst, [services.AudienceSpec(AudienceKind.LIST, people=f"{uni.students[0].student_number}，{uni.guard.staff_number}")]
    )
    assert set(listed.students) == {uni.students[0].pk} and set(listed.staff) == {uni.guard.pk}
    everyone = services.resolve_audience(inst, [services.AudienceSpec(AudienceKind.INSTITUTION)])
    assert len(everyone.students) == 5 and uni.guard.pk in everyone.staff


def test_ledger_and_closed_management_audiences(world):
    from fangxian.ledger.models import Category, StudentTag

    uni = world.uni
    category = Category.objects.create(institution=uni.institution, code="closed", name="封闭管理", kind=Category.Kind.CLOSED)
    StudentTag.objects.create(student=uni.students[1], category=category, valid_from=timezone.localdate() - timedelta(days=1))
    closed = services.resolve_audience(uni.institution, [services.AudienceSpec(AudienceKind.CLOSED)])
    assert set(closed.students) == {uni.students[1].pk}
    # Students on campus: the registered population (outside a stay period, the boarders).
    on_campus = services.resolve_audience(uni.institution, [services.AudienceSpec(AudienceKind.LEDGER, unit=uni.other_college)])
    assert set(on_campus.students) == {s.pk for s in uni.other_students}
    # An audience that names nobody (a unit without people) is refused.
    from fangxian.org.testing import UnitFactory

    empty = UnitFactory(kind="department", name="档案馆", parent=uni.institution)
    notice = services.notice_create(by=world.office, draft=draft(), audience=[services.AudienceSpec(AudienceKind.UNIT, unit=empty)])
    with pytest.raises(ValidationError) as exc:
        services.publish(notice=notice, by=world.office)
    assert "受众" in zh(exc) and "没有" in zh(exc)
    assert Notice.objects.get(pk=notice.pk).status == Status.DRAFT
    assert not Receipt.objects.filter(notice=notice).exists()


def test_an_empty_audience_and_unknown_numbers_are_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.notice_create(by=world.office, draft=draft(), audience=[])
    assert "请选择" in zh(exc)
    with pytest.raises(ValidationError) as exc:
        services.notice_create(by=world.office, draft=draft(), audience=[services.AudienceSpec(AudienceKind.LIST, people="2099999 T1")])
    assert "2099999" in zh(exc) and "第1项受众" in zh(exc)
    assert not Notice.objects.exists()


def test_a_script_in_the_text_is_refused_and_html_is_cleaned(world):
    for body in ("<p>通知</p><script>alert(1)</script>", '<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">点此</a>'):
        with pytest.raises(ValidationError) as exc:
            services.notice_create(by=world.office, draft=draft(body=body), audience=college_audience(world))
        assert "脚本" in zh(exc)
    assert not Notice.objects.exists()
    notice = services.notice_create(
        by=world.office,
        draft=draft(
            body='<h3 class="x">一、要求</h3><p>请<strong>按时</strong>报告。<span class="y">注意</span></p><a href="https://example.org">链接</a>'
        ),
        audience=college_audience(world),
    )
    assert "<strong>按时</strong>" in notice.body and "class=" not in notice.body and 'rel="noopener noreferrer"' in notice.body
    assert "一、要求" in notice.body_text and "<" not in notice.body_text


def test_a_question_without_a_correct_answer_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.parse_questions("1. 出入校门需要出示什么？\nA. 通行码 *\nB. 饭卡\n2. 离校前向谁报备？\nA. 室友\nB. 辅导员")
    with translation.override("zh-hans"):
        message = " ".join(exc.value.message_dict["questions"])
    assert "第2题" in message and "正确答案" in message
    with pytest.raises(ValidationError):
        services.check_questions([services.QuestionSpec("问题", ["甲", "乙"], [])])
    assert [q.correct for q in services.parse_questions(QUESTIONS)] == [[0], [1]]


def test_an_attachment_that_is_not_what_its_name_says_is_refused_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as exc:
        services.notice_create(
            by=world.office, draft=draft(), audience=college_audience(world), files=[("通知.pdf", b"MZ\x90\x00 this is a program")]
        )
    assert "通知.pdf" in zh(exc) and "不是PDF" in zh(exc)
    assert not Notice.objects.exists() and not Attachment.objects.exists()
    notice = services.notice_create(by=world.office, draft=draft(), audience=college_audience(world), files=[("通知.pdf", PDF)])
    assert notice.attachments.get().kind == "pdf"


def test_reading_with_questions_pass_mark_and_retries(world):
    notice = published(world, questions=services.parse_questions(QUESTIONS), max_attempts=2)
    student_user = world.uni.student_user
    receipt = Receipt.objects.get(notice=notice, user=student_user)
    q1, q2 = notice.questions.all()
    with pytest.raises(ValidationError):
        services.acknowledge(receipt=receipt, by=student_user, answers={str(q1.pk): [0]})  # q2 unanswered
    result = services.acknowledge(receipt=receipt, by=student_user, answers={str(q1.pk): [0], str(q2.pk): [0]})
    assert result.read is False and result.score == 50 and result.attempts_left == 1
    receipt.refresh_from_db()
    assert receipt.read_at is None and receipt.attempts == 1
    result = services.acknowledge(receipt=receipt, by=student_user, answers={str(q1.pk): [0], str(q2.pk): [1]})
    assert result.read and result.score == 100
    receipt.refresh_from_db()
    assert receipt.read_at is not None
    # Confirming again changes nothing.
    assert services.acknowledge(receipt=receipt, by=student_user).read
    # Someone else's receipt cannot be confirmed.
    other = Receipt.objects.get(notice=notice, user=world.student_users[1])
    with pytest.raises(PermissionDenied):
        services.acknowledge(receipt=other, by=student_user)


def test_attempts_run_out(world):
    notice = published(world, questions=services.parse_questions(QUESTIONS), max_attempts=1)
    user = world.student_users[1]
    receipt = Receipt.objects.get(notice=notice, user=user)
    q1, q2 = notice.questions.all()
    services.acknowledge(receipt=receipt, by=user, answers={str(q1.pk): [1], str(q2.pk): [0]})
    receipt.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.acknowledge(receipt=receipt, by=user, answers={str(q1.pk): [0], str(q2.pk): [1]})
    assert "用完" in zh(exc)


def test_renotify_at_most_once_per_person_and_day_across_callers(world):
    notice = published(world)
    uni = world.uni
    first = Receipt.objects.get(notice=notice, user=uni.student_user)
    services.acknowledge(receipt=first, by=uni.student_user)
    result = services.renotify(notice=notice, by=uni.counselor_user)
    # The counselor's scope: the grade's three students, one of whom has read.
    assert (result.sent, result.skipped) == (2, 0)
    assert set(Notification.objects.filter(kind="notices.reminder").values_list("user__username", flat=True)) == {"student2", "student3"}
    # The college admin (another consumer of the same request) reminds nobody twice today.
    again = services.renotify(notice=notice, by=uni.college_admin_user)
    assert again.sent == 1  # the counselor (nobody reminds themselves)
    assert again.skipped == 2
    assert Notification.objects.filter(kind="notices.reminder", user__username="student2").count() == 1
    assert Reminder.objects.filter(day=timezone.localdate()).count() == 3
    # Tomorrow they may be reminded again.
    tomorrow = services.renotify(notice=notice, by=uni.counselor_user, day=timezone.localdate() + timedelta(days=1))
    assert tomorrow.sent == 2


def test_renotify_needs_a_follow_up_role_and_a_notice_in_force(world):
    notice = published(world)
    with pytest.raises(PermissionDenied):
        services.renotify(notice=notice, by=world.uni.student_user)
    services.withdraw(notice=notice, by=world.office)
    with pytest.raises(ValidationError):
        services.renotify(notice=notice, by=world.uni.counselor_user)


def test_only_publishers_write(world, make_user):
    leader = make_user("leader-n", "leader")
    for user in (world.uni.counselor_user, world.uni.student_user, leader):
        with pytest.raises(PermissionDenied):
            services.notice_create(by=user, draft=draft(), audience=college_audience(world))
    notice = services.notice_create(by=world.publicity_user, draft=draft(), audience=college_audience(world))
    assert notice.created_by == world.publicity_user


def test_revision_keeps_history_and_shows_what_changed(world):
    notice = published(world)
    receipt = Receipt.objects.get(notice=notice, user=world.uni.student_user)
    services.acknowledge(receipt=receipt, by=world.uni.student_user)
    body = "各学院：\n\n请严格落实四方责任。\n\n留校学生每日两次报告健康状况。"
    services.notice_update(notice=notice, by=world.office, draft=draft(body=body), note="增加报告次数", reread=True)
    notice.refresh_from_db()
    assert notice.version == 2
    versions = selectors.versions(notice)
    assert [v["number"] for v in versions] == [1, 2] and versions[0]["body_text"].endswith("留校学生每日报告健康状况。")
    lines = selectors.diff(versions[0], versions[1])
    assert ("-", "留校学生每日报告健康状况。") in lines and ("+", "留校学生每日两次报告健康状况。") in lines
    receipt.refresh_from_db()
    assert receipt.read_at is None  # must confirm the revised text
    with pytest.raises(ValidationError):
        services.notice_update(notice=notice, by=world.office, draft=draft(body=body))  # nothing changed


def test_scheduled_publication_runs_once_and_an_expired_notice_leaves_the_list(world):
    notice = services.notice_create(by=world.office, draft=draft(), audience=college_audience(world))
    at = timezone.now() + timedelta(hours=2)
    services.publish(notice=notice, by=world.office, at=at)
    notice.refresh_from_db()
    assert notice.status == Status.SCHEDULED and not Receipt.objects.exists()
    assert services.publish_due(timezone.now()) == 0
    assert services.publish_due(at + timedelta(minutes=1)) == 1
    assert services.publish_due(at + timedelta(minutes=2)) == 0  # a second consumer finds nothing to do
    assert Receipt.objects.filter(notice=notice).count() == 5
    assert Notification.objects.filter(kind="notices.published", user=world.uni.student_user).count() == 1
    Notice.objects.filter(pk=notice.pk).update(
        published_at=timezone.now() - timedelta(days=1), expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert not selectors.to_read(world.uni.student_user).exists()


def test_read_rates_for_every_level_of_the_tree(world):
    notice = published(world)
    uni = world.uni
    services.acknowledge(receipt=Receipt.objects.get(notice=notice, user=uni.student_user), by=uni.student_user)
    rows = {row.unit.name: row for row in selectors.receipt_tree(world.office, notice)}
    assert (rows["河西学院"].total, rows["河西学院"].read) == (5, 1)
    assert (rows["医学院"].total, rows["医学院"].read) == (5, 1)
    assert (rows["临床2021级1班"].total, rows["临床2021级1班"].read) == (3, 1)
    assert rows["临床2021级1班"].rate == 33
    # The counselor sees their grade and below only.
    counselor_rows = selectors.receipt_tree(uni.counselor_user, notice)
    assert [r.unit.name for r in counselor_rows] == ["2021级", "临床2021级1班"]
    assert counselor_rows[0].depth == 0
    assert [r.student.name for r in selectors.unread(uni.counselor_user, notice)] == [s.name for s in uni.students[1:]]


def test_search_finds_chinese_words_in_title_number_and_text(world):
    published(world)
    published(world, title="校园出入管理办法", number="河西学院防控办〔2022〕6号", body="师生凭通行码出入校门。")
    qs = Notice.objects.all()
    assert [n.title for n in selectors.search(qs, "出入管理")] == ["校园出入管理办法"]
    assert [n.number for n in selectors.search(qs, "〔2022〕5号")] == ["河西学院防控办〔2022〕5号"]
    assert [n.title for n in selectors.search(qs, "通行码 校门")] == ["校园出入管理办法"]
    assert selectors.search(qs, "四方责任").count() == 1


def test_low_read_rates_are_proposed_for_supervision(world):
    from fangxian.core.supervision import supervision_rule

    notice = published(world)
    Notice.objects.filter(pk=notice.pk).update(published_at=timezone.now() - timedelta(days=5))
    proposals = list(supervision_rule("notices.low_read").derive(timezone.localdate()))
    assert len(proposals) == 0  # five receipts: below the minimum to judge a rate
    rows = selectors.low_read_units(at=timezone.now(), older_than=timezone.now(), min_receipts=1)
    assert [(u.name, total, read) for _n, u, total, read in rows] == [("医学院", 5, 0)]


def test_the_periodic_job_publishes_due_notices_and_a_scheduled_notice_whose_audience_emptied_goes_back_to_draft(world):
    from fangxian.notices.tasks import publish_scheduled_notices
    from fangxian.org.models import Student
    from fangxian.org.testing import UnitFactory

    due = services.notice_create(by=world.office, draft=draft(), audience=college_audience(world))
    services.publish(notice=due, by=world.office, at=timezone.now() + timedelta(seconds=2))
    empty_unit = UnitFactory(kind="department", name="档案馆", parent=world.uni.institution)
    from fangxian.org.testing import StaffFactory

    keeper = StaffFactory(unit=empty_unit, name="档案员")
    emptied = services.notice_create(
        by=world.office, draft=draft(title="档案馆通知"), audience=[services.AudienceSpec(AudienceKind.UNIT, unit=empty_unit)]
    )
    services.publish(notice=emptied, by=world.office, at=timezone.now() + timedelta(seconds=2))
    keeper.is_active = False
    keeper.save(update_fields=["is_active"])
    Notice.objects.filter(pk__in=[due.pk, emptied.pk]).update(publish_at=timezone.now() - timedelta(minutes=1))
    assert publish_scheduled_notices.call_local() == 1
    due.refresh_from_db()
    emptied.refresh_from_db()
    assert due.status == Status.PUBLISHED and Receipt.objects.filter(notice=due).count() == 5
    assert emptied.status == Status.DRAFT
    assert Notification.objects.filter(kind="notices.not_published", user=world.office).count() == 1
    assert Student.objects.count() == 5


def test_withdrawn_notices_leave_the_readers_list_and_only_drafts_are_deleted(world):
    notice = published(world)
    assert selectors.to_read(world.uni.student_user).count() == 1
    with pytest.raises(ValidationError):
        services.notice_delete(notice=notice, by=world.office)
    services.withdraw(notice=notice, by=world.office)
    assert not selectors.to_read(world.uni.student_user).exists()
    receipt = Receipt.objects.get(notice=notice, user=world.uni.student_user)
    with pytest.raises(ValidationError):
        services.acknowledge(receipt=receipt, by=world.uni.student_user)
    draft_notice = services.notice_create(by=world.office, draft=draft(), audience=college_audience(world))
    services.notice_delete(notice=draft_notice, by=world.office)
    assert not Notice.objects.filter(pk=draft_notice.pk).exists()
