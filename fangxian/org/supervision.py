"""Supervision rules of the organisation (fangxian.core.supervision): responsibilities left
without an owner (不留空白) for more than a few days.

- "org.coverage": nodes (classes, majors, grades, colleges, campuses, dorm buildings, labs)
  without their responsible person both today and `SINCE_DAYS` days ago, one proposal per
  answering unit (the college the node belongs to; the institution for places) and week;
- "org.one_to_one": students on campus without a one-to-one staff member, today and
  `SINCE_DAYS` days ago, one proposal per college and week.

Evaluates org's own coverage rules only (other apps' rules read their own data), for the
whole institution, with the coverage report's fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.supervision import Proposal, SupervisionRule, register_supervision_rule

from .coverage import ORG_RULES, CoverageContext, GapKind, NodeRule, students_without
from .models import AssignmentRole, Place, Unit
from .scope import Scope

SINCE_DAYS = 7
WHOLE = Scope(everything=True, read_only=True)
NAMES_SHOWN = 10


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _answering_unit(node, roots: dict[int, int]) -> int | None:
    """The unit that answers for a gap: the first unit below the institution that holds the
    node (the college of a class, a college itself), the institution for a place."""
    if isinstance(node, Unit):
        ids = _ids(node.path)
        return ids[1] if len(ids) >= 2 else ids[0]
    return roots.get(node.institution_id)


def _gaps(day: date) -> dict[tuple[str, str, int], object]:
    ctx = CoverageContext(day=day, at=None, scope=WHOLE, campus=None, college=None, rules=ORG_RULES)
    found = {}
    for rule in ORG_RULES:
        if not isinstance(rule, NodeRule):
            continue
        for gap in rule.evaluate(ctx).gaps:
            if gap.node is not None:
                found[(rule.key, type(gap.node).__name__, gap.node.pk)] = (rule, gap)
    return found


def uncovered_nodes(day: date):
    now, before = _gaps(day), _gaps(day - timedelta(days=SINCE_DAYS))
    lasting = [now[key] for key in sorted(now.keys() & before.keys())]
    if not lasting:
        return
    roots = dict(Unit.objects.filter(parent__isnull=True).values_list("pk", "pk"))
    places = {p.pk: p for p in Place.objects.filter(pk__in=[g.node.pk for _r, g in lasting if isinstance(g.node, Place)])}
    by_unit: dict[int, list[str]] = defaultdict(list)
    for rule, gap in lasting:
        node = places.get(gap.node.pk, gap.node) if isinstance(gap.node, Place) else gap.node
        unit_id = _answering_unit(node, roots)
        if unit_id is not None:
            by_unit[unit_id].append(f"{rule.label}：{'/'.join([*gap.trail, node.name])}")
    names = dict(Unit.objects.filter(pk__in=by_unit).values_list("pk", "name"))
    for unit_id in sorted(by_unit):
        lines = by_unit[unit_id]
        yield Proposal(
            rule="org.coverage",
            key=f"{unit_id}:{day:%G-W%V}",
            unit_id=unit_id,
            title=_("%(unit)s: %(n)s responsibilities without an owner for more than %(days)s days")
            % {"unit": names.get(unit_id, ""), "n": len(lines), "days": SINCE_DAYS},
            evidence="\n".join(
                lines[:NAMES_SHOWN] + ([_("… and %(n)s more") % {"n": len(lines) - NAMES_SHOWN}] if len(lines) > NAMES_SHOWN else [])
            ),
            url=reverse("org:coverage"),
            count=len(lines),
        )


def students_without_one_to_one(day: date):
    before = students_without(AssignmentRole.ONE_TO_ONE, day=day - timedelta(days=SINCE_DAYS))
    lasting = students_without(AssignmentRole.ONE_TO_ONE, day=day).filter(pk__in=before.values("pk"))
    per_class = dict(lasting.values_list("klass_id").annotate(n=Count("pk")).values_list("klass_id", "n"))
    if not per_class:
        return
    classes = dict(Unit.objects.filter(pk__in=per_class).values_list("pk", "path"))
    per_college: dict[int, int] = defaultdict(int)
    for klass_id, n in per_class.items():
        ids = _ids(classes.get(klass_id, ""))
        if len(ids) >= 2:
            per_college[ids[1]] += n
    names = dict(Unit.objects.filter(pk__in=per_college).values_list("pk", "name"))
    for unit_id in sorted(per_college):
        n = per_college[unit_id]
        yield Proposal(
            rule="org.one_to_one",
            key=f"{unit_id}:{day:%G-W%V}",
            unit_id=unit_id,
            title=_("%(unit)s: %(n)s students without a one-to-one staff member for more than %(days)s days")
            % {"unit": names.get(unit_id, ""), "n": n, "days": SINCE_DAYS},
            evidence=_("Students on campus without a one-to-one staff member on %(before)s and on %(day)s: %(n)s")
            % {"before": f"{day - timedelta(days=SINCE_DAYS):%Y-%m-%d}", "day": f"{day:%Y-%m-%d}", "n": n},
            url=reverse("org:coverage") + f"?college={unit_id}#{GapKind.ONE_TO_ONE}",
            count=n,
        )


def register_rules() -> None:
    register_supervision_rule(SupervisionRule("org.coverage", gettext_lazy("Responsibilities without an owner"), uncovered_nodes, order=30))
    register_supervision_rule(
        SupervisionRule("org.one_to_one", gettext_lazy("Students without one-to-one staff"), students_without_one_to_one, order=40)
    )
