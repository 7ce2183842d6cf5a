"""The demo's desk: leads derived from the demo university, a few open 督办 from discipline
inspection, one answered, one closed."""

from __future__ import annotations

from django.utils import timezone

from fangxian.core.demo import loaders
from fangxian.supervision.models import Case, Finding


def test_demo_has_open_cases_from_the_leads(db):
    names = [loader.name for loader in loaders()]
    assert names.index("supervision") > max(names.index(n) for n in ("org", "ledger", "reports", "gates"))
    for loader in loaders():
        if loader.name != "dashboard":
            loader.load(size=60, seed=20220714)
    assert Finding.objects.filter(rule="reports.missed").exists()
    cases = Case.objects.order_by("pk")
    assert cases.filter(status__in=[Case.Status.OPEN]).count() >= 2
    assert cases.filter(status=Case.Status.ANSWERED).exists() and cases.filter(status=Case.Status.CLOSED).exists()
    assert cases.filter(source=Case.Source.ONSITE).exists()
    assert all(c.due_at > timezone.now() or c.is_closed for c in cases)
    assert all(c.responsible.exists() for c in cases)
