"""Writes of the duty app, one module per job; callers import from here."""

from .rosters import PlannedPost, Rotation, check_plan, post_add, post_remove, post_set, roster_save, rotation_fill, weekday_name

__all__ = [
    "PlannedPost",
    "Rotation",
    "check_plan",
    "post_add",
    "post_remove",
    "post_set",
    "roster_save",
    "rotation_fill",
    "weekday_name",
]
