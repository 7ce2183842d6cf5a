"""The gate's typed-ID path with ID numbers sealed at rest (fangxian.core.sealed): a typed
number still finds the student and the visitor, before, during and after a key rotation."""

from __future__ import annotations

import base64
import io
import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from fangxian.gates import services
from fangxian.gates.models import Category, Direction, Visit
from fangxian.org.testing import make_id_number

pytestmark = pytest.mark.django_db


def _stored(visit: Visit) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM gates_visit WHERE id = %s", [visit.pk])
        return cursor.fetchone()


def test_a_typed_id_number_finds_the_student_and_the_visitor_across_a_rotation(world, settings):
    at = timezone.localtime().replace(hour=10, minute=0)
    visit = services.visit_create(
        host=world.uni.counselor,
        campus=world.campus,
        kind=Category.VISITOR,
        name="访客乙",
        id_number=make_id_number(),
        phone="13800002222",
        purpose="交流",
        starts_at=at - timedelta(hours=1),
        ends_at=at + timedelta(hours=5),
        invited=True,
    )
    stored_id, stored_phone = _stored(visit)
    assert visit.id_number not in stored_id and "13800002222" not in stored_phone and stored_id.startswith("k0:")

    def typed(text):
        return services.evaluate_input(text, gate=world.gate, direction=Direction.IN, at=at)

    def check():
        student = typed(world.student.id_number.lower())  # typed in lower case: the gate upper-cases it
        assert student.verify and student.subject == f"S{world.student.pk}" and student.name == world.student.name
        visitor = typed(visit.id_number)
        assert visitor.verify and visitor.reason == "verify"

    check()
    settings.SEAL_KEYS = "k1:" + base64.b64encode(os.urandom(64)).decode() + ",k0"
    check()  # during: the rows are still under k0
    call_command("seal_rotate", stdout=io.StringIO())
    assert _stored(visit)[0].startswith("k1:")
    settings.SEAL_KEYS = settings.SEAL_KEYS.removesuffix(",k0")
    check()  # after: the old key removed
