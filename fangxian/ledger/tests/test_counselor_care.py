"""The counselor's ledger work: category counts are readable badges, and letting a
high-risk student out takes a confirmation and a return date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangxian.ledger import services
from fangxian.ledger.models import Status as S

pytestmark = pytest.mark.django_db


def _high_risk(ledger, student):
    services.tag_add(student=student, category=ledger.categories["risk_high"], by=ledger.uni.counselor_user, on=ledger.period.start_date)


def test_category_counts_are_visible_badges(ledger):
    uni = ledger.uni
    ledger.on_campus(uni.students[0])
    services.tag_add(student=uni.students[0], category=ledger.categories["psych"], by=uni.counselor_user, on=ledger.period.start_date)
    client = Client()
    client.force_login(uni.counselor_user)
    page = client.get(reverse("ledger:list")).content.decode()
    assert "text-bg-warning-subtle" not in page  # no such class: white text on no background
    assert (
        'class="badge bg-warning-subtle text-warning-emphasis border border-warning-subtle me-1 mb-1" data-testid="category-count">心理关注 1'
        in page
    )


def test_a_high_risk_student_goes_out_only_confirmed_with_a_return_date(ledger):
    uni = ledger.uni
    entry = ledger.on_campus(uni.students[0])
    _high_risk(ledger, uni.students[0])
    with pytest.raises(ValidationError) as no_date:
        services.entry_change_status(entry=entry, status=S.OUT, version=entry.version, by=uni.counselor_user)
    assert "返校日期" in " ".join(no_date.value.messages)
    back = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as unconfirmed:
        services.entry_change_status(entry=entry, status=S.OUT, version=entry.version, by=uni.counselor_user, expected_return=back)
    assert "确认" in " ".join(unconfirmed.value.messages)

    client = Client()
    client.force_login(uni.counselor_user)
    card = client.get(reverse("ledger:mine")).content.decode()
    assert 'data-testid="risk-out"' in card
    answer = client.post(
        reverse("ledger:entry_status", args=[entry.pk]),
        {"status": "out", "version": entry.version, "expected_return": back.isoformat(), "confirmed": "1"},
    )
    assert answer.status_code == 302
    entry.refresh_from_db()
    assert entry.status == S.OUT and entry.expected_return == back


def test_other_students_still_go_out_in_one_tap(ledger):
    uni = ledger.uni
    entry = ledger.on_campus(uni.students[1])
    services.entry_change_status(entry=entry, status=S.OUT, version=entry.version, by=uni.counselor_user)
    entry.refresh_from_db()
    assert entry.status == S.OUT
