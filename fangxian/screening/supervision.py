"""A supervision rule: units whose people missed the sampling of several rounds in the
last two weeks (漏检), for the 督查督办 desk."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangxian.core.supervision import Proposal, SupervisionRule
from fangxian.org.models import Unit

from . import selectors


def missed_sampling(day: date):
    since = day - timedelta(days=13)
    rows = selectors.missed_rounds_by_unit(since, day, min_missed=2)
    names = dict(Unit.objects.filter(pk__in=[row[0] for row in rows]).values_list("pk", "name"))
    for unit_id, people, most in rows:
        yield Proposal(
            rule="screening.missed",
            key=f"{unit_id}:{day:%G-W%V}",
            unit_id=unit_id,
            title=f"{names.get(unit_id, '?')}近14天有{people}人多次漏检（最多{most}次）",
            evidence=f"{since.isoformat()}至{day.isoformat()}，{people}人在两个及以上检测批次中未采样。",
            url=reverse("screening:list"),
            count=people,
        )


RULE = SupervisionRule("screening.missed", _("People missed in several screening rounds"), missed_sampling, order=60)
