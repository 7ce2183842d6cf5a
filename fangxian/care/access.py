"""Who may use which care page and endpoint. Scope decides which students (a student outside
it is "not found"); the assignment roles this app registers (roles.py) decide who works as
the psychological centre, a canteen manager, the logistics office or the fever clinic."""

from __future__ import annotations

from django.db.models import Q

from fangxian.accounts.roles import Role, roles_of
from fangxian.org.access import holds
from fangxian.org.models import Assignment, AssignmentRole

PSYCH_COUNSELLOR = "psych_counsellor"  # 心理中心
CANTEEN_MANAGER = "canteen_manager"  # 食堂负责人
LOGISTICS = "logistics_office"  # 后勤保障
FEVER_CLINIC = "fever_clinic"  # 附属医院发热门诊

# Care plans and follow-ups: staff read them in their scope (the psychological centre is staff).
CARE_READERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR, Role.STAFF})
# Who opens and ends care plans, and logs follow-ups (scope and read-only still apply).
PLAN_WRITERS = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR})
FOLLOW_UP_WRITERS = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR, Role.STAFF})
# Help requests: a student asks; staff in scope read and answer.
STUDENTS = frozenset({Role.STUDENT})
HELP_READERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR})
HELP_ANSWERERS = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR})
# Meals: the office and leaders read; canteen managers and the logistics office are staff.
MEAL_READERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.STAFF})
MEAL_WRITERS = frozenset({Role.PREVENTION_OFFICE, Role.STAFF})
# Fever referrals: staff with the student, and the hospital's fever clinic.
REFERRAL_READERS = CARE_READERS
REFERRAL_WRITERS = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR, Role.STAFF})
# Who sees the overdue follow-ups on the home page.
TILE_STAFF = frozenset({Role.COUNSELOR, Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE})


def is_whole(user) -> bool:
    from fangxian.org.scope import scope_of

    return scope_of(user).everything


def one_to_one_of(user, student) -> bool:
    """Is the person behind this account the student's one-to-one staff today?"""
    if not user.is_authenticated:
        return False
    from django.utils import timezone

    return (
        Assignment.objects.active_on(timezone.localdate())
        .filter(role=AssignmentRole.ONE_TO_ONE, student_id=student.pk, staff__user=user, staff__is_active=True)
        .exists()
    )


def may_read_confidential(user, student) -> bool:
    """The content of a psychological record: the psychological centre and the student's
    one-to-one staff only. Not the office, not the college, not leaders or inspectors: they
    see that a follow-up happened, never what was said."""
    if not roles_of(user) & {Role.STAFF, Role.COUNSELOR}:
        return False
    return holds(user, PSYCH_COUNSELLOR) or one_to_one_of(user, student)


def may_log(user, plan) -> bool:
    """May this user log a follow-up on the plan: a writer who sees it; a psychological plan
    also by the psychological centre (who sees only the students in such plans)."""
    from fangxian.org.access import can_write

    return can_write(user, FOLLOW_UP_WRITERS, plan) and (
        bool(roles_of(user) & PLAN_WRITERS) or holds(user, PSYCH_COUNSELLOR) or plan.owner.user_id == user.pk
    )


def is_logistics(user) -> bool:
    return Role.PREVENTION_OFFICE in roles_of(user) or holds(user, LOGISTICS)


def visible_canteen_condition(user, *, students: bool, prefix: str = "") -> Q | None:
    """The canteens (rows of canteens, with `prefix`) a user sees; None for all of them."""
    from fangxian.org.models import Place
    from fangxian.org.scope import scope_of

    scope = scope_of(user)
    if scope.everything:
        return None
    condition = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    if holds(user, LOGISTICS):
        from fangxian.org.models import Staff

        institution = Staff.objects.filter(user=user).values_list("institution_id", flat=True).first()
        condition |= Q(**{f"{prefix}institution_id": institution})
    if scope.place_paths and holds(user, CANTEEN_MANAGER):
        condition |= Q(**{f"{prefix}place_id__in": Place.objects.under_any(scope.place_paths).values("pk")})
    if students and scope.student_self_id:
        from fangxian.org.models import Student

        institution = Student.objects.filter(pk=scope.student_self_id).values_list("institution_id", flat=True).first()
        condition |= Q(**{f"{prefix}institution_id": institution, f"{prefix}is_active": True})
    return condition


def may_report_canteen(user, canteen) -> bool:
    from fangxian.org.access import can_write

    if not can_write(user, MEAL_WRITERS):
        return False
    if Role.PREVENTION_OFFICE in roles_of(user):
        return True
    from .models import Canteen

    staff_view = visible_canteen_condition(user, students=False)
    return staff_view is None or Canteen.objects.filter(staff_view, pk=canteen.pk).exists()


def may_answer_complaints(user) -> bool:
    from fangxian.org.access import can_write

    return can_write(user, MEAL_WRITERS) and is_logistics(user)


def may_export_canteens(user) -> bool:
    """The canteens' week as a file: the logistics office (and the prevention office), and
    the leaders and inspectors who read everything; not a canteen's manager or other staff."""
    return is_logistics(user) or bool(roles_of(user) & {Role.LEADER, Role.DISCIPLINE})
