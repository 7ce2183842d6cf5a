"""Deadline kinds, registered by the app that owns the objects.

A kind says what a deadline on one of its objects means: which steps follow it (remind
before the due time, escalate after it, up the chain of responsibility, then to the
office), when the object counts as done, who may see it, where it lives and how its
messages read. The engine (services.tick) does the rest: each step is sent once across job
consumers, and nothing more is sent once the object is done.

    from fangxian.deadlines.registry import DeadlineKind, Step, register
    from fangxian.deadlines import recipients

    register(DeadlineKind(
        key="hazards.rectification",
        label=_("Rectification"),
        model=Finding,
        steps=[
            Step("remind", _("Reminder"), timedelta(days=-1), to=recipients.holders("lab_safety")),
            Step("college", _("To the college"), timedelta(0), to=recipients.along("college_admin")),
            Step("office", _("To the office"), timedelta(days=2), to=recipients.office()),
        ],
        is_done=lambda deadline: deadline.target.closed_at is not None,
        visible=lambda user: Finding.objects.visible_to(user),
        url=lambda deadline: reverse("hazards:finding", args=[deadline.object_id]),
        message=finding_message,   # (deadline, step) -> (title, body)
        subject=lambda deadline: deadline.target.place,  # where the chain starts
    ))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Deadline

Recipients = Callable[["Deadline"], Iterable[Any]]


@dataclass(frozen=True)
class Step:
    """One step: sent `offset` after the due time (negative: before it).

    `to(deadline)` names the users to notify (the engine writes the notifications); a step
    that delivers in its own way (e.g. alert rows of the owning app) gives
    `deliver(deadline, now) -> number of recipients` instead. `notify_kind` is the
    notification's kind (default "<kind key>.<step key>")."""

    key: str
    label: Any
    offset: timedelta = timedelta(0)
    to: Recipients | None = None
    deliver: Callable[[Deadline, datetime], int] | None = None
    notify_kind: str = ""

    def __post_init__(self):
        if (self.to is None) == (self.deliver is None):
            raise ValueError(f"step {self.key!r}: give exactly one of `to` and `deliver`")


@dataclass(frozen=True)
class DeadlineKind:
    key: str
    label: Any
    model: type
    steps: Sequence[Step]
    # Is the object done (checked before each step is sent)?
    is_done: Callable[[Deadline], bool]
    # The objects of `model` this user may see (a queryset): scopes the overdue list.
    visible: Callable[[Any], Any]
    # The link to the object's page.
    url: Callable[[Deadline], str]
    # (title, body) of a step's notification.
    message: Callable[[Deadline, Step], tuple[str, str]]
    # Where the chain of responsibility starts (a unit, place or student); default: the object.
    subject: Callable[[Deadline], Any] | None = None
    # Called at each tick before sending: creates the deadlines this kind knows by rule
    # (e.g. one per unit and day for a report form). Must be idempotent.
    plan: Callable[[datetime], Any] | None = None
    # Called once per tick and step with the deadlines whose step was just sent (e.g. one
    # group message listing them), inside a transaction.
    on_sent: Callable[[Step, list[Deadline], datetime], Any] | None = None
    # A short description of the deadline's object for lists (default: str(object)).
    describe: Callable[[Deadline], str] | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        keys = [step.key for step in self.steps]
        if not keys or len(set(keys)) != len(keys):
            raise ValueError(f"deadline kind {self.key!r}: steps need distinct keys")
        offsets = [step.offset for step in self.steps]
        if offsets != sorted(offsets):
            raise ValueError(f"deadline kind {self.key!r}: steps must be in the order they are sent")

    def step_time(self, due_at: datetime, index: int) -> datetime:
        return due_at + self.steps[index].offset

    def step_index(self, key: str) -> int:
        return [step.key for step in self.steps].index(key)

    def latest_due_step(self, due_at: datetime, now: datetime) -> int | None:
        """The last step whose time has come (earlier ones missed are not sent late)."""
        due = [index for index in range(len(self.steps)) if self.step_time(due_at, index) <= now]
        return due[-1] if due else None


_kinds: dict[str, DeadlineKind] = {}


def register(kind: DeadlineKind) -> DeadlineKind:
    """Register a kind (from the owning app's AppConfig.ready()); registering the same key
    again replaces it (tests, reloads)."""
    _kinds[kind.key] = kind
    return kind


def unregister(key: str) -> None:
    _kinds.pop(key, None)


def get(key: str) -> DeadlineKind:
    try:
        return _kinds[key]
    except KeyError:
        raise LookupError(f"no deadline kind {key!r} is registered") from None


def kinds() -> list[DeadlineKind]:
    return list(_kinds.values())
