"""Scope of the demo roles: a counselor their grade, a guard their gate, a student themselves."""

from datetime import date

from fangxian.org.models import AssignmentRole, Place
from fangxian.org.scope import forget_scope, scope_of
from fangxian.org.selectors import visible_places, visible_staff, visible_students, visible_units
from fangxian.org.testing import PlaceFactory


def test_counselor_sees_exactly_the_students_of_their_grade(uni):
    assert set(visible_students(uni.counselor_user)) == set(uni.students)
    assert not visible_places(uni.counselor_user).exists()


def test_gate_guard_sees_their_gate_and_no_person(uni):
    user = uni.guard_user
    assert list(visible_places(user)) == [uni.gate]
    assert not visible_students(user).exists()
    assert not visible_units(user).exists()
    assert list(visible_staff(user)) == [uni.guard]


def test_guard_posted_to_a_campus_sees_its_gates_not_its_dormitories(uni):
    west = PlaceFactory(kind="gate", name="西门", parent=uni.campus, institution=uni.institution)
    uni.assign(uni.guard, AssignmentRole.GATE_GUARD, place=uni.campus)
    forget_scope(uni.guard_user)
    places = set(visible_places(uni.guard_user))
    assert places == {uni.gate, west}
    assert not visible_students(uni.guard_user).exists()
    assert not places & set(Place.objects.filter(kind=Place.Kind.BED))


def test_student_sees_only_themselves(uni):
    user = uni.student_user
    assert list(visible_students(user)) == [uni.students[0]]
    assert not visible_units(user).exists()
    assert not visible_places(user).exists()
    assert not visible_staff(user).exists()


def test_scope_follows_the_assignment_dates(uni):
    assignment = uni.counselor.assignments.get()
    assignment.end_date = date(2022, 12, 31)
    assignment.save()
    assert scope_of(uni.counselor_user, date(2022, 6, 1)).unit_paths == (uni.grade.path,)
    assert scope_of(uni.counselor_user, date(2023, 1, 1)).is_empty


def test_discipline_and_leader_read_everything_and_write_nothing(make_user, uni):
    for role in ("discipline", "leader"):
        scope = scope_of(make_user(f"u-{role}", role))
        assert scope.everything and scope.read_only
    office = scope_of(make_user("office-x", "prevention_office"))
    assert office.everything and not office.read_only
