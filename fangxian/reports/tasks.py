"""Periodic reporting jobs. Every consumer schedules them and one runs each (core.jobs);
each job is also safe to run on several consumers at once (summaries are unique per day). Reminders
run on the deadline engine's tick (reports.reminders, fangxian.deadlines.tasks)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_task

from fangxian.core.jobs import periodic_task

from .summary import summary_due, summary_generate


@periodic_task(crontab(minute="*/5"))
def reports_daily_summary() -> str | None:
    summary = summary_due(now=timezone.now())
    return summary.day.isoformat() if summary else None


@db_task(retries=2, retry_delay=60)
def generate_summary(day: str, user_id: int | None = None) -> str:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return summary_generate(day=date.fromisoformat(day), user=user).day.isoformat()
