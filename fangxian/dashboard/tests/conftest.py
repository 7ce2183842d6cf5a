"""Dashboard fixtures: the mini university with a stay ledger (the ledger's fixture) and
gate control (the gates' fixture), and a helper to scan a student at the east gate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.gates import services as gate_services
from fangxian.gates.models import Direction
from fangxian.gates.tests.conftest import _fresh_caches, world  # noqa: F401  (fixtures)
from fangxian.ledger import services as ledger_services
from fangxian.ledger.tests.conftest import ledger  # noqa: F401  (fixture)
from fangxian.reports.tests.conftest import headcount_prefill, rep  # noqa: F401  (fixtures)


class Dash:
    def __init__(self, uni, the_ledger, gate_world):
        self.uni, self.ledger, self.world = uni, the_ledger, gate_world
        self.today = timezone.localdate()

    def scan(self, student, direction=Direction.OUT, at=None):
        scan, outcome, _created = self.world.scan(self.world.pass_for(student, now=at), direction=direction, at=at)
        assert scan.verdict == "allowed", scan.reason
        return scan


@pytest.fixture
def dash(uni, ledger, world):  # noqa: F811
    """Three students of 医学院 and one of 文学院 on campus in the ledger since the period began."""
    for student in [*uni.students, uni.other_students[0]]:
        ledger.on_campus(student)
    ledger_services.tag_add(
        student=uni.students[0], category=ledger.categories["psych"], by=uni.counselor_user, on=ledger.period.start_date
    )
    # A policy in force for the last ten days, so that scans can be dated in the past.
    gate_services.policy_publish(
        campus=uni.campus, effective_at=timezone.now() - timedelta(days=10), rules=gate_services.default_rules(), note="测试"
    )
    return Dash(uni, ledger, world)
