"""The ledger's demo data on top of the demo university."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangxian.ledger import demo, selectors
from fangxian.ledger.models import LedgerEntry, StatusSpell, StayApplication
from fangxian.ledger.models import Status as S
from fangxian.org import demo as org_demo
from fangxian.org.models import Student, Unit

pytestmark = pytest.mark.django_db


def test_demo_has_a_fifth_of_the_boarders_staying_with_history(django_user_model):
    org_demo.load(size=1200, seed=7)
    demo.load(size=1200, seed=7)
    boarders = Student.objects.filter(bed__isnull=False).count()
    entries = LedgerEntry.objects.count()
    assert 0.15 * boarders < entries < 0.3 * boarders
    statuses = set(LedgerEntry.objects.values_list("status", flat=True))
    assert {S.ON_CAMPUS, S.OUT, S.RETURNED, S.LEFT, S.REGISTERED} <= statuses
    # Every entry's spells tile its history: exactly one open spell, matching the entry.
    open_spells = dict(StatusSpell.objects.filter(valid_to__year=9999).values_list("entry_id", "status"))
    assert open_spells == dict(LedgerEntry.objects.values_list("pk", "status"))
    # The demo logins have something to show.
    student = django_user_model.objects.get(username="student")
    assert StayApplication.objects.get(student__user=student).stage == StayApplication.Stage.SUBMITTED
    counselor = django_user_model.objects.get(username="counselor")
    assert selectors.counselor_entries(counselor).filter(status__in=[S.ON_CAMPUS, S.RETURNED]).exists()
    assert selectors.approval_queue(counselor).exists()
    institution = Unit.objects.get(kind=Unit.Kind.INSTITUTION)
    count = selectors.headcount(day=timezone.localdate(), unit=institution)
    assert count["total"] > 0 and count["by_category"]["closed"] > 0
    # Loading twice changes nothing.
    demo.load(size=1200, seed=7)
    assert LedgerEntry.objects.count() == entries
