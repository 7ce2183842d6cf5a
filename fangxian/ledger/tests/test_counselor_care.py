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
from fangxian.ledger.models import Category
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


def _register_data(ledger, student):
    bed = student.bed
    return {
        "student": student.pk,
        "period": ledger.period.pk,
        "start_date": timezone.localdate().isoformat(),
        "end_date": ledger.period.end_date.isoformat(),
        "reason": ledger.period.reasons.first().pk,
        "bed": bed.pk,
        "emergency_contact": "王芳",
        "emergency_phone": "13800001111",
        "parent_name": "王强",
        "parent_phone": "13800002222",
        "pledge": "on",
    }


def test_a_counselor_puts_a_student_of_theirs_on_the_ledger(ledger):
    from fangxian.ledger.models import LedgerEntry, StayApplication

    uni = ledger.uni
    student = uni.students[2]
    client = Client()
    client.force_login(uni.counselor_user)
    found = client.get(reverse("ledger:register"), {"q": student.student_number})
    assert [s.pk for s in found.context["found"]] == [student.pk]
    # Someone else's student is neither found nor registered (404).
    outsider = uni.other_students[0]
    assert client.get(reverse("ledger:register"), {"q": outsider.student_number}).context["found"] == []
    assert client.post(reverse("ledger:register"), _register_data(ledger, outsider)).status_code == 404

    answer = client.post(reverse("ledger:register"), _register_data(ledger, student))
    assert answer.status_code == 302
    app = StayApplication.objects.get(student=student)
    assert app.stage == StayApplication.Stage.COUNSELOR_APPROVED and app.created_by == uni.counselor_user
    assert LedgerEntry.objects.get(application=app).status == S.REGISTERED  # the college confirms next
    mine = client.get(reverse("ledger:mine")).content.decode()
    assert f'data-student="{student.student_number}"' in mine


def test_my_students_search_filter_and_group_by_class(ledger):
    uni = ledger.uni
    for s in uni.students:
        ledger.on_campus(s)
    client = Client()
    client.force_login(uni.counselor_user)
    page = client.get(reverse("ledger:mine"))
    assert page.context["total"] == len(uni.students)
    assert uni.klass.name in page.content.decode() and 'data-testid="mine-class"' in page.content.decode()
    one = uni.students[1]
    found = client.get(reverse("ledger:mine"), {"q": one.student_number})
    assert [e.student_id for e in found.context["entries"]] == [one.pk]
    by_status = client.get(reverse("ledger:mine"), {"status": "out"})
    assert by_status.context["entries"] == [] and "没有符合条件的学生" in by_status.content.decode()
    by_class = client.get(reverse("ledger:mine"), {"klass": uni.klass.pk})
    assert len(by_class.context["entries"]) == len([s for s in uni.students if s.klass_id == uni.klass.pk])


def test_the_building_filter_names_the_campus(ledger):
    uni = ledger.uni
    client = Client()
    client.force_login(uni.counselor_user)
    page = client.get(reverse("ledger:list")).content.decode()
    assert f"{uni.building.parent.name} · {uni.building.name}</option>" in page


def test_the_office_picks_a_category_colour_from_swatches_and_never_sees_codes(ledger, office, verified_client):
    client = verified_client(office)
    page = client.get(reverse("ledger:periods")).content.decode()
    assert "risk_high" not in page and "Bootstrap" not in page
    assert 'class="btn btn-sm text-bg-danger me-1 mb-1"' in page and ">红色</label>" in page
    answer = client.post(
        reverse("ledger:periods"), {"form": "category", "name": "隔离观察", "kind": "risk", "tone": "danger", "sort_order": 5}
    )
    assert answer.status_code == 302
    made = Category.objects.get(name="隔离观察")
    assert made.tone == "danger" and made.code.startswith("c")
