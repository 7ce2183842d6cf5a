"""The access layer: the one write check (can_write / require_write), the scope as a
queryset method (visible_to) and the one campus visibility."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from fangxian.accounts.roles import Role
from fangxian.org.access import PEOPLE_WRITERS, TREE_WRITERS, can_write, in_scope, require_write
from fangxian.org.models import Assignment, AssignmentRole, Place, Staff, Student, Unit
from fangxian.org.scope import forget_scope, scope_of
from fangxian.org.selectors import visible_campuses
from fangxian.org.testing import PlaceFactory, StaffFactory


@pytest.fixture
def people(uni, make_user):
    return {
        "office": make_user("office-a", Role.PREVENTION_OFFICE),
        "leader": make_user("leader-a", Role.LEADER),
        "inspector": make_user("inspector-a", Role.DISCIPLINE),
        "auditor": make_user("auditor-a", Role.AUDIT_ADMIN),
        "college": uni.college_admin_user,
        "counselor": uni.counselor_user,
        "guard": uni.guard_user,
        "student": uni.student_user,
    }


def test_write_needs_a_role_and_a_scope_that_is_not_read_only(people):
    assert can_write(people["office"], TREE_WRITERS)
    assert can_write(people["college"], PEOPLE_WRITERS)
    assert not can_write(people["counselor"], PEOPLE_WRITERS)  # not a writer's role
    # Read-only scopes never write, whatever role set they are named in.
    for name in ("leader", "inspector", "auditor"):
        assert not can_write(people[name], {Role.LEADER, Role.DISCIPLINE, Role.AUDIT_ADMIN, Role.PREVENTION_OFFICE})
        assert not can_write(people[name], None)
    assert can_write(people["counselor"], None)  # None: any role, still not read-only


def test_anonymous_never_writes():
    from django.contrib.auth.models import AnonymousUser

    assert not can_write(AnonymousUser(), None)
    assert not can_write(None, TREE_WRITERS)


def test_write_on_an_object_needs_the_object_in_scope(uni, people):
    college = people["college"]
    assert can_write(college, PEOPLE_WRITERS, uni.students[0])
    assert can_write(college, PEOPLE_WRITERS, uni.klass)
    assert not can_write(college, PEOPLE_WRITERS, uni.other_students[0])
    assert not can_write(college, PEOPLE_WRITERS, uni.other_klass)
    assert can_write(people["office"], PEOPLE_WRITERS, uni.other_students[0])


def test_require_write_refuses_with_403_for_roles_and_404_outside_the_scope(uni, people):
    require_write(people["college"], PEOPLE_WRITERS, uni.students[0])
    with pytest.raises(PermissionDenied):
        require_write(people["leader"], PEOPLE_WRITERS | {Role.LEADER}, uni.students[0])
    with pytest.raises(PermissionDenied):
        require_write(people["counselor"], PEOPLE_WRITERS)
    # Out of scope is "not found", never a 403 that says the object exists.
    with pytest.raises(Http404):
        require_write(people["college"], PEOPLE_WRITERS, uni.other_students[0])


def test_visible_to_is_the_scope_for_every_organisation_model(uni, people):
    for user in people.values():
        scope = scope_of(user)
        assert set(Unit.objects.visible_to(user)) == set(scope.units())
        assert set(Place.objects.visible_to(user)) == set(scope.places())
        assert set(Student.objects.visible_to(user)) == set(scope.students())
        assert set(Staff.objects.visible_to(user)) == set(scope.staff())
        assert set(Assignment.objects.visible_to(user)) == set(scope.assignments())
    # It narrows a queryset, not only the whole table.
    counselor = people["counselor"]
    assert set(Student.objects.filter(klass=uni.other_klass).visible_to(counselor)) == set()
    assert in_scope(counselor, uni.students[1]) and not in_scope(counselor, uni.other_students[0])


def test_campus_visibility_is_one_rule(uni, people):
    # Whole-institution scopes see every active campus.
    assert list(visible_campuses(people["office"])) == [uni.campus]
    assert list(visible_campuses(people["inspector"])) == [uni.campus]
    # A guard posted at one gate sees that gate's campus.
    assert list(visible_campuses(people["guard"])) == [uni.campus]
    # A college admin, a counselor, a student: no campus-wide data.
    for name in ("college", "counselor", "student", "auditor"):
        assert not visible_campuses(people[name]).exists(), name


def test_campus_visibility_needs_the_campus_or_a_gate_post(uni, make_user):
    other = PlaceFactory(kind="campus", name="医学院校区", institution=uni.institution)
    manager_user = make_user("manager-a")
    manager = StaffFactory(unit=uni.college, name="楼长 王", user=manager_user)
    # A building manager sees the building, not the campus's traffic (the gates' old rule
    # gave them the whole campus).
    uni.assign(manager, AssignmentRole.BUILDING_MANAGER, place=uni.building)
    assert not visible_campuses(manager_user).exists()
    # A leader posted to a campus sees that campus and no other.
    uni.assign(manager, AssignmentRole.LEADER, place=other)
    forget_scope(manager_user)
    assert list(visible_campuses(manager_user)) == [other]


def test_archived_campuses_only_when_asked(uni, people):
    uni.campus.archived_at = uni.campus.created_at
    uni.campus.save()
    assert not visible_campuses(people["office"]).exists()
    assert list(visible_campuses(people["office"], archived=True)) == [uni.campus]


def test_gates_and_dashboard_ask_the_same_rule(uni, people):
    from fangxian.dashboard import selectors as dashboard
    from fangxian.gates import selectors as gates

    for user in people.values():
        expected = set(visible_campuses(user, archived=True))
        assert set(dashboard.visible_campuses(user)) == expected
        assert set(gates.visible_campuses(user)) == set(visible_campuses(user))


def test_scope_of_a_day_is_still_answered(uni):
    # visible_to uses today's scope; scope_of(user, day) keeps answering other days.
    assignment = uni.counselor.assignments.get()
    assignment.end_date = date(2022, 12, 31)
    assignment.save()
    forget_scope(uni.counselor_user)
    assert not Student.objects.visible_to(uni.counselor_user).exists()
