from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangxian.core.demo import loaders
from fangxian.reports import demo
from fangxian.reports.models import Submission
from fangxian.reports.selectors import completeness


def test_demo_tells_a_story(rep, office):
    assert "reports" in [loader.name for loader in loaders()]
    demo.load(size=10, seed=1)
    subs = Submission.objects.all()
    assert subs.filter(day__lt=timezone.localdate()).exists()
    # Every stored report passes for reported, with a revision behind it.
    assert all(s.revisions.count() == 1 for s in subs)
    days = sorted(set(subs.values_list("day", flat=True)))
    assert days[0] >= timezone.localdate() - timedelta(days=demo.DAYS)
    # A story: mostly on time, a few late, a few missing (seeded, so always the same).
    assert subs.filter(is_late=True).exists() and subs.filter(is_late=False).exists()
    assert subs.count() < 4 * (demo.DAYS + 1)
    state = completeness(office, rep.form, days[-1], with_people=False)
    assert state.expected == 2
