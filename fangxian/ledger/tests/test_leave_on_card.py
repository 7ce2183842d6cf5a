"""An approved leave that runs now shows as 外出, with its return time, on the counselor's card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangxian.gates import services as gates
from fangxian.gates.selectors import college_staff

pytestmark = pytest.mark.django_db


def test_an_approved_leave_shows_as_out_on_the_card(ledger):
    uni = ledger.uni
    entries = [ledger.on_campus(s) for s in uni.students]
    now = timezone.now()
    leave = gates.leave_apply(
        student=uni.students[0],
        purpose="就医",
        destination="市医院",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=2),
    )
    client = Client()
    client.force_login(uni.counselor_user)

    def card(entry) -> str:
        page = client.get(reverse("ledger:mine")).content.decode()
        return next(
            chunk for chunk in page.split('data-testid="student-card"')[1:] if f'data-student="{entry.student.student_number}"' in chunk
        )

    assert "已批准外出" not in card(entries[0])  # pending: not yet out
    leave = gates.leave_decide(leave=leave, staff=uni.counselor, approve=True)
    if leave.overnight:  # run after 22:00 the leave crosses midnight: the college decides too
        gates.leave_decide(leave=leave, staff=college_staff(uni.students[0])[0], approve=True)
    shown = card(entries[0])
    assert ">外出<" in shown and f"{timezone.localtime(leave.ends_at):%m-%d %H:%M} 前返校" in shown
    assert "已批准外出" not in card(entries[1])
