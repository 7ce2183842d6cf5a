from __future__ import annotations

from django.utils import timezone

from fangxian.accounts.models import User
from fangxian.core.demo import loaders
from fangxian.duty import selectors
from fangxian.duty.models import Post, Roster
from fangxian.org.models import Unit
from fangxian.reports.prefill import prefill_value


def test_demo_rosters_gaps_and_missed_check_ins(db, make_user):
    for loader in loaders():
        if loader.name in ("org", "duty"):
            loader.load(size=300, seed=20220714)
    units = set(Roster.objects.values_list("unit__kind", "unit__code"))
    colleges = Unit.objects.filter(kind="college").count()
    assert sum(1 for kind, _code in units if kind == "college") == colleges
    assert ("department", "security") in units and any(kind == "hospital" for kind, _code in units)
    assert any(kind == "institution" for kind, _code in units)
    today = timezone.localdate()
    first = today.replace(day=1)
    assert Post.objects.filter(shift__day=first).count() >= colleges
    now = timezone.now()
    past = Post.objects.filter(shift__ends_at__lte=now)
    if past.exists():
        assert past.filter(checked_in_at__isnull=True).exists() and past.filter(checked_in_at__isnull=False).exists()
    office = make_user("office_demo_duty", "prevention_office")
    gaps = selectors.gaps(office)
    assert 1 <= len(gaps.empty) <= 6 and len(gaps.on_leave) == 1
    assert User.objects.filter(username__in=["dutyleader", "dutystaff"]).count() == 2
    staff = User.objects.get(username="dutystaff")
    assert selectors.current_post(staff) is not None
    school = Roster.objects.get(unit__kind="institution").unit
    assert prefill_value("duty.posts", school, today) == Post.objects.filter(shift__roster__unit=school, shift__day=today).count()
