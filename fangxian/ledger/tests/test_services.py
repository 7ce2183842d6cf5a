"""The ledger's writes: the application flow, status transitions, refusals, concurrency."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.ledger import services
from fangxian.ledger.models import FOREVER, LedgerEntry, StatusSpell, StayApplication, StudentTag
from fangxian.ledger.models import Status as S
from fangxian.org.models import Assignment, AssignmentRole
from fangxian.org.testing import PlaceFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_application_flow_registers_approves_and_gives_a_one_to_one_staff_member(ledger):
    uni = ledger.uni
    student = uni.students[0]
    app = ledger.apply(student)
    entry = LedgerEntry.objects.get(application=app)
    assert (app.stage, entry.status) == (StayApplication.Stage.SUBMITTED, S.REGISTERED)
    assert (entry.college_id, entry.klass_id, entry.campus_id, entry.building_id) == (
        uni.college.pk,
        uni.klass.pk,
        uni.campus.pk,
        uni.building.pk,
    )

    app = services.application_review(application=app, approve=True, by=uni.counselor_user, version=app.version)
    assert app.stage == StayApplication.Stage.COUNSELOR_APPROVED
    app = services.application_confirm(application=app, by=uni.college_admin_user, version=app.version)
    entry.refresh_from_db()
    assert (app.stage, entry.status) == (StayApplication.Stage.CONFIRMED, S.APPROVED)
    one_to_one = Assignment.objects.get(role=AssignmentRole.ONE_TO_ONE, student=student)
    assert one_to_one.staff == uni.counselor  # suggested from the class's counselor
    history = list(StatusSpell.objects.filter(entry=entry).order_by("id").values_list("status", "valid_to"))
    assert history[-1] == (S.APPROVED, FOREVER) and history[0][0] == S.REGISTERED


def test_return_needs_a_comment_and_the_student_can_apply_again(ledger):
    uni = ledger.uni
    app = ledger.apply(uni.students[0])
    with pytest.raises(ValidationError) as error:
        services.application_review(application=app, approve=False, comment=" ", by=uni.counselor_user)
    assert "comment" in error.value.message_dict
    app = services.application_review(application=app, approve=False, comment="床位写错了", by=uni.counselor_user)
    assert app.stage == StayApplication.Stage.RETURNED
    again = ledger.apply(uni.students[0], bed=uni.beds[3])
    assert again.pk == app.pk and again.stage == StayApplication.Stage.SUBMITTED
    entry = LedgerEntry.objects.get(application=app)
    assert entry.bed == uni.beds[3]
    # A stale decision (made on the old version) is refused.
    with pytest.raises(ValidationError):
        services.application_review(application=again, approve=True, by=uni.counselor_user, version=app.version - 1)


def test_status_flow_and_invalid_transitions_are_refused(ledger):
    uni = ledger.uni
    entry = ledger.approved(uni.students[0])
    with pytest.raises(ValidationError, match="返校"):
        services.entry_change_status(entry=entry, status=S.RETURNED, version=entry.version, by=uni.counselor_user)
    today = timezone.localdate()
    for status in (S.ON_CAMPUS, S.OUT, S.RETURNED, S.LEFT):
        entry = services.entry_change_status(
            entry=entry, status=status, version=entry.version, by=uni.counselor_user, note=f"to {status}", on=today
        )
    assert entry.status == S.LEFT
    for status in (S.ON_CAMPUS, S.RETURNED, S.APPROVED):
        with pytest.raises(ValidationError):
            services.entry_change_status(entry=entry, status=status, version=entry.version, by=uni.counselor_user)
    spell = StatusSpell.objects.get(entry=entry, valid_to=FOREVER)
    assert (spell.status, spell.changed_by, spell.note) == (S.LEFT, uni.counselor_user, "to left")


def test_change_cannot_be_dated_in_the_future_or_before_the_current_status(ledger):
    uni = ledger.uni
    entry = ledger.on_campus(uni.students[0], on=timezone.localdate() - timedelta(days=3))
    with pytest.raises(ValidationError):
        services.entry_change_status(
            entry=entry, status=S.OUT, version=entry.version, by=uni.counselor_user, on=timezone.localdate() + timedelta(days=1)
        )
    with pytest.raises(ValidationError):
        services.entry_change_status(
            entry=entry, status=S.OUT, version=entry.version, by=uni.counselor_user, on=timezone.localdate() - timedelta(days=4)
        )


def test_return_date_before_leave_date_is_refused(ledger):
    uni = ledger.uni
    entry = ledger.on_campus(uni.students[0])
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.entry_change_status(
            entry=entry, status=S.OUT, version=entry.version, by=uni.counselor_user, on=today, expected_return=today - timedelta(days=1)
        )
    assert "返校日期早于" in str(error.value)
    entry.refresh_from_db()
    assert entry.status == S.ON_CAMPUS


def test_second_of_two_concurrent_changes_is_told_not_overwritten(ledger):
    uni = ledger.uni
    entry = ledger.on_campus(uni.students[0])
    version = entry.version
    # Both counselors loaded the student at `version`; the first one saves.
    services.entry_change_status(entry=entry, status=S.OUT, version=version, by=uni.counselor_user, note="去医院")
    with pytest.raises(services.EntryConflict) as conflict:
        services.entry_change_status(entry=entry, status=S.LEFT, version=version, by=uni.college_admin_user, note="回家")
    assert "外出" in str(conflict.value) and uni.counselor_user.get_full_name() in str(conflict.value)
    entry.refresh_from_db()
    assert entry.status == S.OUT and entry.version == version + 1
    assert not StatusSpell.objects.filter(entry=entry, status=S.LEFT).exists()


def test_the_version_is_checked_in_the_update_itself(ledger):
    """Even when the read saw the right version, an UPDATE that finds another one fails."""
    uni = ledger.uni
    entry = ledger.on_campus(uni.students[0])
    LedgerEntry.objects.filter(pk=entry.pk).update(version=entry.version + 5)
    with pytest.raises(services.EntryConflict):
        services._set_status(entry, status=S.OUT, on=timezone.localdate(), by=uni.counselor_user, version=entry.version)


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"start": "end+1"}, "end_date", "早于"),
        ({"start": "period-1"}, "start_date", "必须在"),
        ({"pledge_agreed": False}, "pledge", "安全承诺"),
        ({"emergency_phone": "12345"}, "emergency_phone", "不是有效的电话"),
    ],
)
def test_bad_applications_are_refused_with_a_clear_message(ledger, change, field, text):
    student = ledger.uni.students[0]
    period = ledger.period
    kwargs = dict(change)
    if kwargs.get("start") == "end+1":
        kwargs.update(start=period.start_date + timedelta(days=5), end=period.start_date + timedelta(days=2))
    elif kwargs.get("start") == "period-1":
        kwargs.update(start=period.start_date - timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        ledger.apply(student, **kwargs)
    assert field in error.value.message_dict
    assert text in " ".join(error.value.message_dict[field])
    assert not StayApplication.objects.exists()


def test_overlapping_stays_are_refused(ledger, uni):
    from fangxian.ledger.services import period_create

    other = period_create(
        institution=uni.institution,
        name="封闭管理期",
        start_date=ledger.period.start_date + timedelta(days=10),
        end_date=ledger.period.end_date + timedelta(days=10),
        reasons=["考研"],
    )
    ledger.apply(uni.students[0])
    with pytest.raises(ValidationError) as error:
        ledger.apply(uni.students[0], period=other)
    assert "重叠" in str(error.value)
    # Within one period, a second registration is refused too.
    with pytest.raises(ValidationError):
        services.application_submit(
            student=uni.students[0],
            period=ledger.period,
            start_date=ledger.period.start_date,
            end_date=ledger.period.end_date,
            reason=ledger.reason,
            bed=uni.students[0].bed,
            emergency_contact="x",
            emergency_phone="13900000000",
            parent_name="x",
            parent_phone="13900000000",
            pledge_agreed=True,
            source=StayApplication.Source.COLLEGE,
            by=uni.college_admin_user,
        )


def test_bed_of_the_wrong_gender_or_taken_is_refused(ledger, uni):
    female_building = PlaceFactory(kind="building", parent=uni.campus, institution=uni.institution, use="dorm", gender="F", name="女生公寓")
    room = PlaceFactory(kind="room", parent=female_building, institution=uni.institution, name="301")
    female_bed = PlaceFactory(kind="bed", parent=room, institution=uni.institution, name="1号床")
    with pytest.raises(ValidationError) as error:
        ledger.apply(uni.students[0], bed=female_bed)
    assert "女" in " ".join(error.value.message_dict["bed"])
    # Another student's own bed.
    with pytest.raises(ValidationError) as error:
        ledger.apply(uni.students[0], bed=uni.students[1].bed)
    assert "另一名学生" in " ".join(error.value.message_dict["bed"])
    # A free bed that another staying student already holds for the period.
    free_bed = uni.beds[3]
    ledger.apply(uni.students[1], bed=free_bed)
    with pytest.raises(ValidationError) as error:
        ledger.apply(uni.students[2], bed=free_bed)
    assert "已被" in " ".join(error.value.message_dict["bed"])
    assert StayApplication.objects.count() == 1


def test_tags_are_dated_and_one_risk_level_at_a_time(ledger):
    uni = ledger.uni
    student = uni.students[0]
    day1, day2 = date(2026, 1, 5), date(2026, 2, 1)
    services.tag_add(student=student, category=ledger.categories["psych"], by=uni.counselor_user, on=day1)
    services.tag_add(student=student, category=ledger.categories["risk_low"], by=uni.counselor_user, on=day1)
    services.tag_add(student=student, category=ledger.categories["risk_high"], by=uni.counselor_user, on=day2)
    with pytest.raises(ValidationError):
        services.tag_add(student=student, category=ledger.categories["psych"], by=uni.counselor_user, on=day2)
    on_day1 = set(StudentTag.objects.on(day1).filter(student=student).values_list("category__code", flat=True))
    on_day2 = set(StudentTag.objects.on(day2).filter(student=student).values_list("category__code", flat=True))
    assert on_day1 == {"psych", "risk_low"} and on_day2 == {"psych", "risk_high"}
    tag = StudentTag.objects.get(student=student, category__code="psych")
    services.tag_end(tag=tag, by=uni.counselor_user, on=day2)
    assert not StudentTag.objects.on(day2).filter(student=student, category__code="psych").exists()


def test_one_to_one_change_is_a_handover_that_keeps_history(ledger):
    uni = ledger.uni
    entry = ledger.approved(uni.students[0], on=timezone.localdate() - timedelta(days=10))
    other = StaffFactory(unit=uni.college, name="教师 王芳")
    services.one_to_one_set(student=entry.student, staff=other, by=uni.college_admin_user)
    rows = list(
        Assignment.objects.filter(role=AssignmentRole.ONE_TO_ONE, student=entry.student)
        .order_by("start_date")
        .values_list("staff", "end_date")
    )
    assert rows == [(uni.counselor.pk, timezone.localdate() - timedelta(days=1)), (other.pk, None)]


def test_withdrawn_application_cancels_the_entry_and_frees_the_bed(ledger):
    uni = ledger.uni
    app = ledger.apply(uni.students[0], bed=uni.beds[3])
    services.application_withdraw(application=app, by=uni.counselor_user)
    entry = LedgerEntry.objects.get(application=app)
    assert entry.status == S.CANCELLED
    assert ledger.apply(uni.students[1], bed=uni.beds[3]).bed == uni.beds[3]
