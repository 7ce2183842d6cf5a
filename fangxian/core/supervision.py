"""Rules that propose supervision items (督办事项) from what the platform already knows.

The supervision app's daily job asks every registered rule what it sees and lists the
proposals for discipline inspection and the office to turn into 督办 notices. Each app that
knows of a failure to act registers its own rule from its AppConfig.ready() (a rule reads
only its own app's data), so a module added later brings its rules with it:

    from fangxian.core.supervision import Proposal, SupervisionRule, register_supervision_rule

    def missed_reports(day):  # day: the last day the job looks at (the period ends there)
        for unit, n, url in selectors.units_missing_reports(since=day - timedelta(days=13), until=day):
            if n >= 3:
                yield Proposal(
                    rule="reports.missed",
                    key=f"{unit.pk}:{day:%G-W%V}",  # one proposal per unit and week, however often derived
                    unit_id=unit.pk,
                    title=f"{unit.name}近14天日报未报{n}次",
                    evidence=f"未报日期：…",
                    url=url,
                    count=n,
                )

    register_supervision_rule(SupervisionRule("reports.missed", _("Daily reports missed"), missed_reports, order=10))

The rule's key doubles as the kind of item; a proposal's (rule, key) is its identity, so the
job can run any number of times (and on two consumers) without proposing the same thing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Proposal:
    rule: str  # the SupervisionRule's key
    key: str  # identity within the rule (≤ 100 characters)
    unit_id: int  # the org.Unit that must answer
    title: str  # one line, in Chinese, naming the unit and the failure
    evidence: str = ""  # the facts (dates, counts, names as the reader's scope allows)
    url: str = ""  # the evidence page
    count: int = 1  # how many times (missed reports, overdue findings …)


@dataclass(frozen=True)
class SupervisionRule:
    key: str  # "app.what", e.g. "reports.missed"
    label: str  # shown as the item's kind
    derive: Callable[[date], Iterable[Proposal]]
    order: int = 100


_rules: dict[str, SupervisionRule] = {}


def register_supervision_rule(rule: SupervisionRule) -> None:
    _rules[rule.key] = rule


def supervision_rules() -> list[SupervisionRule]:
    return sorted(_rules.values(), key=lambda r: (r.order, r.key))


def supervision_rule(key: str) -> SupervisionRule | None:
    return _rules.get(key)
