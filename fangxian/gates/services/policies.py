"""Campus gate policies: publishing a new version, and the default rules."""

from __future__ import annotations

from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from fangxian.org.models import Place

from ..models import Category, Decision, Direction, PolicyRule, PolicyVersion
from ..selectors import forget_policies


@transaction.atomic
def policy_publish(*, campus: Place, effective_at: datetime, rules: list[dict], note: str = "", by=None) -> PolicyVersion:
    """A new version of a campus policy. `rules`: dicts with category, direction,
    decision and optionally window_start/window_end. Earlier versions stay as they were."""
    number = (PolicyVersion.objects.filter(campus=campus).aggregate(m=Max("number"))["m"] or 0) + 1
    version = PolicyVersion(campus=campus, number=number, effective_at=effective_at, note=note, created_by=by)
    version.full_clean()
    version.save()
    seen = set()
    for index, data in enumerate(rules, start=1):
        rule = PolicyRule(version=version, **data)
        try:
            rule.full_clean(exclude=["version"])
        except ValidationError as exc:
            raise ValidationError(
                _("Rule %(row)s (%(category)s, %(direction)s): %(problem)s")
                % {
                    "row": index,
                    "category": Category(rule.category).label if rule.category in Category.values else rule.category,
                    "direction": Direction(rule.direction).label if rule.direction in Direction.values else rule.direction,
                    "problem": " ".join(exc.messages),
                }
            ) from exc
        key = (rule.category, rule.direction)
        if key in seen:
            raise ValidationError(_("Rule %(row)s repeats a category and direction.") % {"row": index})
        seen.add(key)
        rule.save()
    forget_policies()
    transaction.on_commit(forget_policies)
    return version


DEFAULT_RULES = [
    # category, in, out (decision, window)
    (Category.STUDENT, (Decision.ALLOW, None), (Decision.ALLOW, None)),
    (Category.STUDENT_CLOSED, (Decision.ALLOW, None), (Decision.PASS, None)),
    (Category.STAFF, (Decision.ALLOW, None), (Decision.ALLOW, None)),
    (Category.HOSPITAL_STAFF, (Decision.ALLOW, None), (Decision.ALLOW, None)),
    (Category.CONTRACTOR, (Decision.PASS, (time(7, 0), time(19, 0))), (Decision.ALLOW, None)),
    (Category.VISITOR, (Decision.PASS, (time(8, 0), time(18, 0))), (Decision.ALLOW, None)),
    (Category.VEHICLE, (Decision.PASS, None), (Decision.ALLOW, None)),
]


def default_rules() -> list[dict]:
    rules = []
    for category, *directions in DEFAULT_RULES:
        for direction, (decision, window) in zip((Direction.IN, Direction.OUT), directions, strict=True):
            rules.append(
                {
                    "category": category,
                    "direction": direction,
                    "decision": decision,
                    "window_start": window[0] if window else None,
                    "window_end": window[1] if window else None,
                }
            )
    return rules
