"""Supervision rules of the duty app (fangxian.core.supervision): units whose people on duty
did not check in, and units whose people on duty did not answer reachability pings, over the
last 14 days."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangxian.core.supervision import Proposal, SupervisionRule, register_supervision_rule

from .models import PingRequest, Post
from .selectors import day_window

PERIOD_DAYS = 14
THRESHOLD = 2  # how many misses in the period make a proposal


def no_shows(day: date):
    start, end = day_window(day - timedelta(days=PERIOD_DAYS - 1), day)
    rows = Post.objects.filter(shift__starts_at__gte=start, shift__ends_at__lte=end, checked_in_at__isnull=True).values_list(
        "shift__roster__unit_id", "shift__roster__unit__name", "staff__name", "shift__day"
    )
    counts: Counter = Counter()
    names: dict[int, str] = {}
    evidence: dict[int, list[str]] = {}
    for unit_id, unit_name, staff_name, shift_day in rows.order_by("shift__starts_at", "pk"):
        counts[unit_id] += 1
        names[unit_id] = unit_name
        evidence.setdefault(unit_id, []).append(f"{shift_day:%m-%d} {staff_name}")
    for unit_id, n in sorted(counts.items()):
        if n >= THRESHOLD:
            yield Proposal(
                rule="duty.no_show",
                key=f"{unit_id}:{day:%G-W%V}",
                unit_id=unit_id,
                title=f"{names[unit_id]}近{PERIOD_DAYS}天值班人员未到岗签到{n}人次",
                evidence="；".join(evidence[unit_id][:20]),
                url=reverse("duty:on_post"),
                count=n,
            )


def unanswered_pings(day: date):
    start, end = day_window(day - timedelta(days=PERIOD_DAYS - 1), day)
    rows = PingRequest.objects.filter(ping__sent_at__gte=start, ping__sent_at__lt=end, answered_at__isnull=True, closes_at__lt=end)
    counts: Counter = Counter()
    names: dict[int, str] = {}
    evidence: dict[int, list[str]] = {}
    for unit_id, unit_name, staff_name, sent in rows.values_list(
        "post__shift__roster__unit_id", "post__shift__roster__unit__name", "staff__name", "ping__sent_at"
    ).order_by("ping__sent_at", "pk"):
        counts[unit_id] += 1
        names[unit_id] = unit_name
        evidence.setdefault(unit_id, []).append(f"{sent:%m-%d %H:%M} {staff_name}")
    for unit_id, n in sorted(counts.items()):
        if n >= THRESHOLD:
            yield Proposal(
                rule="duty.unanswered_ping",
                key=f"{unit_id}:{day:%G-W%V}",
                unit_id=unit_id,
                title=f"{names[unit_id]}近{PERIOD_DAYS}天在岗抽查未应答{n}人次",
                evidence="；".join(evidence[unit_id][:20]),
                url=reverse("duty:reachability"),
                count=n,
            )


def register() -> None:
    register_supervision_rule(SupervisionRule("duty.no_show", _("People on duty not on post"), no_shows, order=40))
    register_supervision_rule(SupervisionRule("duty.unanswered_ping", _("Reachability pings not answered"), unanswered_pings, order=41))
