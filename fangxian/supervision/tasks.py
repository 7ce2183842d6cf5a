"""The daily derivation: every consumer schedules it, one runs it (core.jobs); should two run
it anyway, the unique (rule, key) of a lead keeps each proposal stored once."""

from __future__ import annotations

from huey import crontab

from fangxian.core.jobs import periodic_task

from .services import derive


# 06:30 in Beijing (huey reads crontabs in UTC): yesterday's reports are in, the day starts with the leads.
@periodic_task(crontab(hour="22", minute="30"))
def supervision_derive() -> int:
    return derive().proposed
