from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from fangxian.gates import cache, categories, selectors, services, signing
from fangxian.gates.models import Category, Decision, Direction
from fangxian.org.models import AssignmentRole, Place, Student
from fangxian.org.testing import MiniUniversity, PlaceFactory, StaffFactory
from fangxian.testing import UserFactory


def same_day_window(*, before: timedelta = timedelta(minutes=5), after: timedelta = timedelta(hours=3)):
    """(starts, ends) around now within today's local date, so that a leave is not
    overnight (which needs the college too) whatever the hour the suite runs at. In the
    last minutes before local midnight it waits for the new day."""
    import time

    now = timezone.localtime()
    end_of_day = now.replace(hour=23, minute=59, second=0, microsecond=0)
    if end_of_day - now < timedelta(minutes=10):
        time.sleep((end_of_day - now).total_seconds() + 90)
        now = timezone.localtime()
        end_of_day = now.replace(hour=23, minute=59, second=0, microsecond=0)
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - before, start_of_day), min(now + after, end_of_day)


@pytest.fixture(autouse=True)
def _fresh_caches():
    def forget():
        selectors.forget_policies()
        signing.forget_keys()
        cache.forget_all()

    forget()
    yield
    forget()


class GateWorld:
    """The mini university with a gate policy, a guard at its gate, a second campus with
    its own gate and guard, and students with accounts."""

    def __init__(self, uni: MiniUniversity):
        self.uni = uni
        self.campus, self.gate = uni.campus, uni.gate
        self.other_campus = PlaceFactory(kind="campus", name="医学校区", institution=uni.institution)
        self.other_gate = PlaceFactory(kind="gate", name="南门", parent=self.other_campus, institution=uni.institution)
        self.west_gate = PlaceFactory(kind="gate", name="西门", parent=self.campus, institution=uni.institution)
        # The mini university's guard (posted at the east gate) also covers the whole campus.
        self.guard_user, self.guard = uni.guard_user, uni.guard
        uni.assign(self.guard, AssignmentRole.GATE_GUARD, place=self.campus)
        self.other_guard_user = UserFactory(username="guard2")
        self.other_guard = StaffFactory(unit=uni.institution, name="门卫 李强", user=self.other_guard_user)
        uni.assign(self.other_guard, AssignmentRole.GATE_GUARD, place=self.other_gate)
        self.student, self.student_user = uni.students[0], uni.student_user
        self.policy = services.policy_publish(
            campus=self.campus, effective_at=timezone.now() - timedelta(days=1), rules=services.default_rules(), note="初始"
        )
        services.policy_publish(
            campus=self.other_campus, effective_at=timezone.now() - timedelta(days=1), rules=services.default_rules(), note="初始"
        )

    def closed_management(self):
        """Register a resolver from real data: students living in the dorm building are
        under closed management. Removed by the fixture afterwards."""
        building_path = self.uni.building.path

        def resolver(person, day: date):
            if isinstance(person, Student) and person.bed_id and person.bed.path.startswith(building_path):
                return {Category.STUDENT_CLOSED}
            return set()

        categories.register_category_resolver(resolver)
        self._resolver = resolver
        return resolver

    def scan(self, text, direction=Direction.IN, gate=None, **kwargs):
        return services.scan(text=text, gate=gate or self.gate, direction=direction, **kwargs)

    def pass_for(self, person=None, **kwargs):
        return services.issue_personal_pass(person or self.student, **kwargs)[0]


@pytest.fixture
def world(uni):
    w = GateWorld(uni)
    yield w
    if getattr(w, "_resolver", None):
        categories.unregister_category_resolver(w._resolver)


def allow_everything_rules():
    return [{"category": c, "direction": d, "decision": Decision.ALLOW} for c in Category for d in Direction]


__all__ = ["GateWorld", "Place", "allow_everything_rules"]
