"""A deadline kind used only by the engine's tests (registered by a fixture, and by the
consumer processes of the concurrency test): a follow-up on a student, done once the
student is no longer enrolled. Its steps walk the chain of responsibility: the student's
counselor before the due time, the college's prevention officer at it, the responsible
leader two hours later, the office after four."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from fangxian.deadlines import recipients
from fangxian.deadlines.registry import DeadlineKind, Step, register, unregister
from fangxian.org.models import Student
from fangxian.org.scope import scope_of

KIND = "tests.follow_up"


def _done(deadline) -> bool:
    return deadline.target.status != Student.Status.ENROLLED


def _message(deadline, step) -> tuple[str, str]:
    return f"跟进 {deadline.target.name}（{step.key}）", f"截止 {deadline.due_at:%Y-%m-%d %H:%M}"


def register_test_kind() -> DeadlineKind:
    return register(
        DeadlineKind(
            key=KIND,
            label="学生跟进",
            model=Student,
            steps=[
                Step("remind", "提醒辅导员", -timedelta(hours=1), to=recipients.along("one_to_one", "class_teacher", "counselor")),
                Step("college", "上报学院", timedelta(0), to=recipients.along("college_admin")),
                Step("leader", "上报包抓领导", timedelta(hours=2), to=recipients.along("leader")),
                Step("office", "上报防控办", timedelta(hours=4), to=recipients.office()),
            ],
            is_done=_done,
            visible=lambda user: scope_of(user).students(),
            url=lambda deadline: reverse("org:student_detail", args=[deadline.object_id]),
            message=_message,
        )
    )


def unregister_test_kind() -> None:
    unregister(KIND)
