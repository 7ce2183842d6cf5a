"""Writes of the duty app, one module per job; callers import from here."""

from .onpost import check_in, check_out, log_write, signature_valid
from .pings import ping_answer, ping_answer_own, ping_send
from .rosters import (
    PlannedPost,
    Rotation,
    check_plan,
    plan_problems,
    post_add,
    post_remove,
    post_set,
    roster_save,
    rotation_fill,
    weekday_name,
)
from .schedules import schedule_save, slot_times

__all__ = [
    "PlannedPost",
    "Rotation",
    "check_in",
    "check_out",
    "check_plan",
    "log_write",
    "ping_answer",
    "ping_answer_own",
    "ping_send",
    "schedule_save",
    "slot_times",
    "plan_problems",
    "post_add",
    "post_remove",
    "post_set",
    "roster_save",
    "rotation_fill",
    "signature_valid",
    "weekday_name",
]

from .swaps import leave_ask, leave_decide, swap_answer, swap_ask, swap_decide, swap_withdraw  # noqa: E402

__all__ += ["leave_ask", "leave_decide", "swap_answer", "swap_ask", "swap_decide", "swap_withdraw"]
