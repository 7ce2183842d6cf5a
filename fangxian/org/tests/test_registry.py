"""The assignment-role registry and time-bound assignments: roles come from the apps that own
them, assignments validate against the registry, and a 20:00–08:00 shift is in force at
23:00 and at 07:00 the next morning, not at 09:00."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fangxian.accounts.roles import Role, forget_roles, roles_of
from fangxian.org import registry, services
from fangxian.org.coverage import GapKind, coverage_report
from fangxian.org.forms import AssignmentFilterForm
from fangxian.org.models import Assignment, AssignmentRole
from fangxian.org.scope import Scope, forget_scope, scope_of
from fangxian.org.selectors import visible_places, visible_students
from fangxian.org.testing import PlaceFactory, StaffFactory, UserFactory
from fangxian.testing import api_client

D = date(2024, 3, 1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def test_every_shipped_role_is_registered_by_its_owner():
    keys = registry.assignment_role_keys()
    shipped = [value for name, value in vars(AssignmentRole).items() if name.isupper()]
    assert set(shipped) <= set(keys)
    assert keys[:3] == [AssignmentRole.LEADER, AssignmentRole.COLLEGE_SECRETARY, AssignmentRole.COLLEGE_DEAN]
    guard = registry.assignment_role(AssignmentRole.GATE_GUARD)
    assert guard.scope.__module__ == "fangxian.gates.roles" and guard.app_role == Role.GATE_GUARD
    lab = registry.assignment_role(AssignmentRole.LAB_SAFETY)  # shipped by org, taken over by hazards
    assert (lab.place_kinds, lab.place_uses, lab.app_role) == (("room", "building"), ("lab", "teaching"), Role.STAFF)
    assert registry.role_label(AssignmentRole.COUNSELOR) == "辅导员"
    assert registry.role_label("gone_role") == "gone_role"  # old rows of a removed app stay readable


def test_the_filter_and_the_model_read_the_registry(uni):
    choices = dict(AssignmentFilterForm().fields["role"].choices)
    assert set(registry.assignment_role_keys()) <= set(choices)
    assignment = Assignment(staff=uni.counselor, role="no_such_role", unit=uni.klass, start_date=D)
    with pytest.raises(ValidationError) as caught:
        assignment.full_clean()
    assert caught.value.message_dict["role"] == ["没有“no_such_role”这个职责。"]


def test_a_lab_role_is_held_on_labs_only(uni):
    lab_building = PlaceFactory(kind="building", name="实验楼", parent=uni.campus, institution=uni.institution, use="teaching")
    lab = PlaceFactory(kind="room", name="101 化学实验室", parent=lab_building, institution=uni.institution, use="lab")
    services.assignment_create(staff=uni.counselor, role=AssignmentRole.LAB_SAFETY, place=lab, start_date=D)
    with pytest.raises(ValidationError):
        services.assignment_create(staff=uni.counselor, role=AssignmentRole.LAB_SAFETY, place=uni.room, start_date=D)


# -- time-bound assignments ------------------------------------------------------------------


@pytest.fixture
def night_shift(uni):
    """The counselor holds a class-teacher shift 20:00 on D to 08:00 on D+1."""
    return services.assignment_create(
        staff=uni.counselor, role=AssignmentRole.CLASS_TEACHER, unit=uni.klass, starts_at=at(D, 20), ends_at=at(D + timedelta(days=1), 8)
    )


def test_a_night_shift_derives_its_days_and_is_in_force_inside_its_window_only(uni, night_shift):
    assert (night_shift.start_date, night_shift.end_date) == (D, D + timedelta(days=1))
    shifts = Assignment.objects.filter(pk=night_shift.pk)
    next_day = D + timedelta(days=1)
    assert shifts.active_at(at(D, 23)).exists()
    assert shifts.active_at(at(next_day, 7)).exists()
    assert not shifts.active_at(at(next_day, 9)).exists()
    assert not shifts.active_at(at(next_day, 8)).exists()  # the end is excluded
    assert not shifts.active_at(at(D, 19, 59)).exists()
    assert shifts.active_on(D).exists() and shifts.active_on(next_day).exists()
    assert night_shift.is_active_at(at(D, 23)) and not night_shift.is_active_at(at(next_day, 9))
    # A day-granular assignment is in force at every moment of its days.
    day_granular = Assignment.objects.filter(role=AssignmentRole.COUNSELOR, unit=uni.grade)
    assert day_granular.active_at(at(D, 0)).exists() and day_granular.active_at(at(D, 23, 59)).exists()


def test_a_shift_ending_at_midnight_does_not_touch_the_next_day(uni):
    shift = services.assignment_create(
        staff=uni.counselor, role=AssignmentRole.CLASS_TEACHER, unit=uni.klass, starts_at=at(D, 18), ends_at=at(D + timedelta(days=1), 0)
    )
    assert shift.end_date == D


def test_scope_and_coverage_answer_at_a_moment(uni, night_shift):
    user = uni.counselor_user
    forget_scope(user)
    next_day = D + timedelta(days=1)
    assert uni.klass.path in scope_of(user, at=at(D, 23)).unit_paths or uni.grade.path in scope_of(user, at=at(D, 23)).unit_paths
    # The counselor's own grade assignment covers the class anyway; use the other college's
    # counselor, who holds nothing else there, for a clean check.
    other = services.assignment_create(
        staff=uni.other_counselor, role=AssignmentRole.CLASS_TEACHER, unit=uni.klass, starts_at=at(D, 20), ends_at=at(next_day, 8)
    )
    other_user = uni.other_counselor_user
    assert uni.klass.path in scope_of(other_user, at=at(next_day, 7)).unit_paths
    assert uni.klass.path not in scope_of(other_user, at=at(next_day, 9)).unit_paths
    assert uni.klass.path in scope_of(other_user, day=next_day).unit_paths  # "on this day": any part of it
    everything = Scope(everything=True)

    def teacherless(**when):
        return [gap.node for gap in coverage_report(scope=everything, **when).gaps.get(GapKind.CLASS_TEACHER, [])]

    assert uni.klass not in teacherless(at=at(D, 23))
    assert uni.klass not in teacherless(at=at(next_day, 7))
    assert uni.klass in teacherless(at=at(next_day, 9))
    assert uni.klass not in teacherless(day=next_day)
    assert other.pk


def test_consecutive_night_shifts_do_not_collide_but_overlapping_ones_do(uni, night_shift):
    next_day = D + timedelta(days=1)
    services.assignment_create(
        staff=uni.counselor,
        role=AssignmentRole.CLASS_TEACHER,
        unit=uni.klass,
        starts_at=at(next_day, 20),
        ends_at=at(D + timedelta(days=2), 8),
    )
    with pytest.raises(ValidationError):
        services.assignment_create(
            staff=uni.counselor, role=AssignmentRole.CLASS_TEACHER, unit=uni.klass, starts_at=at(next_day, 6), ends_at=at(next_day, 9)
        )


def test_an_end_time_before_the_start_time_is_refused_in_chinese(uni):
    with pytest.raises(ValidationError) as caught:
        services.assignment_create(
            staff=uni.counselor, role=AssignmentRole.CLASS_TEACHER, unit=uni.klass, starts_at=at(D, 20), ends_at=at(D, 8)
        )
    messages = caught.value.message_dict
    assert "结束时间必须晚于开始时间。" in messages.get("ends_at", []) + messages.get("end_date", []) + messages.get("__all__", [])
    assert not Assignment.objects.filter(role=AssignmentRole.CLASS_TEACHER).exists()


def test_a_date_that_disagrees_with_its_time_is_named(uni):
    with pytest.raises(ValidationError) as caught:
        services.assignment_create(
            staff=uni.counselor, role=AssignmentRole.CLASS_TEACHER, unit=uni.klass, start_date=D, starts_at=at(D + timedelta(days=3), 8)
        )
    assert caught.value.message_dict["start_date"] == ["开始日期与开始时间不是同一天（应为 2024-03-04）。"]


def test_ending_a_time_bound_assignment_on_an_earlier_day(uni, night_shift):
    services.assignment_end(assignment=night_shift, on=D)
    night_shift.refresh_from_db()
    assert (night_shift.end_date, night_shift.ends_at) == (D, None)


# -- the form and the API take the optional window --------------------------------------------


@pytest.fixture
def office_client(uni, office, login):
    return login(office)


def test_the_form_takes_a_shift_without_dates(uni, office_client):
    data = {
        "role": "class_teacher",
        "staff": uni.counselor.pk,
        "unit": uni.klass.pk,
        "starts_at": "2024-03-01T20:00",
        "ends_at": "2024-03-02T08:00",
    }
    response = office_client.post(reverse("org:assignment_create"), data)
    assert response.status_code == 302
    shift = Assignment.objects.get(role="class_teacher")
    assert timezone.localtime(shift.starts_at).hour == 20 and (shift.start_date, shift.end_date) == (D, D + timedelta(days=1))


def test_the_form_names_a_bad_window_in_chinese(uni, office_client):
    url = reverse("org:assignment_create")
    base = {"role": "class_teacher", "staff": uni.counselor.pk, "unit": uni.klass.pk}
    html = office_client.post(url, {**base, "starts_at": "2024-03-01T20:00", "ends_at": "2024-03-01T08:00"}).content.decode()
    assert "结束时间必须晚于开始时间。" in html
    html = office_client.post(url, base).content.decode()
    assert "请填写开始日期或开始时间。" in html
    assert not Assignment.objects.filter(role="class_teacher").exists()
    page = office_client.get(url).content.decode()
    assert 'type="datetime-local"' in page and "开始时间" in page


def test_the_api_takes_a_shift_and_refuses_a_bad_one(uni, office):
    client = api_client(office)
    url = "/api/v1/org/assignments/"
    body = {"role": "class_teacher", "staff": uni.counselor.pk, "unit": uni.klass.pk}
    bad = client.post(url, {**body, "starts_at": "2024-03-01T20:00:00+08:00", "ends_at": "2024-03-01T08:00:00+08:00"}, format="json")
    assert bad.status_code == 400 and bad.json()["ends_at"] == ["结束时间必须晚于开始时间。"]
    unknown = client.post(url, {**body, "role": "no_such_role", "start_date": "2024-03-01"}, format="json")
    assert unknown.status_code == 400 and "no_such_role" in unknown.json()["role"][0]
    good = client.post(url, {**body, "starts_at": "2024-03-01T20:00:00+08:00", "ends_at": "2024-03-02T08:00:00+08:00"}, format="json")
    assert good.status_code == 201, good.content
    assert good.json()["start_date"] == "2024-03-01" and good.json()["end_date"] == "2024-03-02"


# -- roles from the registry -------------------------------------------------------------------


def test_holding_a_registered_role_gives_its_application_role(uni):
    forget_roles(uni.guard_user)
    assert Role.GATE_GUARD in roles_of(uni.guard_user)
    Assignment.objects.filter(staff=uni.guard).delete()
    forget_roles(uni.guard_user)
    assert Role.GATE_GUARD not in roles_of(uni.guard_user)


def test_a_room_head_is_held_on_a_dormitory_room(uni):
    services.assignment_create(staff=uni.counselor, role=AssignmentRole.ROOM_HEAD, place=uni.room, start_date=D)
    with pytest.raises(ValidationError):
        services.assignment_create(staff=uni.counselor, role=AssignmentRole.ROOM_HEAD, place=uni.building, start_date=D)
    assert registry.role_label(AssignmentRole.ROOM_HEAD) == "宿舍长"


def test_the_security_office_on_a_campus_sees_its_gates_not_its_residents(uni):
    officer = StaffFactory(unit=uni.security_office, name="安稳部 王刚", user=UserFactory(username="security1"))
    services.assignment_create(staff=officer, role=AssignmentRole.SECURITY_OFFICE, place=uni.campus, start_date=D)
    with pytest.raises(ValidationError):
        services.assignment_create(staff=officer, role=AssignmentRole.SECURITY_OFFICE, place=uni.gate, start_date=D)
    user = officer.user
    assert Role.SECURITY_OFFICE in roles_of(user)
    assert set(visible_places(user)) == {uni.gate}
    assert not visible_students(user).exists()


def test_the_coverage_page_answers_at_a_moment(uni, office_client):
    services.assignment_create(
        staff=uni.other_counselor,
        role=AssignmentRole.CLASS_TEACHER,
        unit=uni.klass,
        starts_at=at(D, 20),
        ends_at=at(D + timedelta(days=1), 8),
    )
    url = reverse("org:coverage")
    night = office_client.get(url, {"at": "2024-03-02T07:00"}).content.decode()
    assert f'data-gap="class_teacher-{uni.klass.pk}"' not in night and "2024-03-02 07:00" in night
    morning = office_client.get(url, {"at": "2024-03-02T09:00"}).content.decode()
    assert f'data-gap="class_teacher-{uni.klass.pk}"' in morning
    export = office_client.get(reverse("org:coverage_export"), {"at": "2024-03-02T09:00"})
    assert export.status_code == 200
