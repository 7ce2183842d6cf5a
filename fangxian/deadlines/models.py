"""Deadlines on any object, and the record of the steps sent for them."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeadlineQuerySet(models.QuerySet):
    def open(self):
        return self.filter(done_at__isnull=True, cancelled_at__isnull=True)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())

    def of(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


class Deadline(models.Model):
    """A deadline of kind `kind` (see registry) on one object; `key` tells several
    deadlines of one kind on one object apart (e.g. the report form and day of a unit).

    `steps_sent` counts the steps claimed so far; a consumer claims step i by an UPDATE
    that only succeeds while fewer than i + 1 steps are claimed, so each step is sent once
    however many consumers run the tick."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=64)
    key = models.CharField(max_length=100, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    steps_sent = models.PositiveSmallIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id", "kind", "key"], name="one_deadline_per_kind_and_key")]
        indexes = [
            models.Index(
                fields=["kind", "next_step_at"], condition=Q(done_at__isnull=True, cancelled_at__isnull=True), name="deadline_next_step"
            ),
            models.Index(fields=["due_at"], condition=Q(done_at__isnull=True, cancelled_at__isnull=True), name="deadline_open_due"),
            models.Index(fields=["content_type", "object_id"], name="deadline_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.content_type_id}:{self.object_id}{':' + self.key if self.key else ''} · {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.cancelled_at is None


class SentStep(models.Model):
    """A step sent for a deadline (the history shown on the clock). Unique per deadline,
    step and due time: a second copy cannot be recorded, and a deadline moved to a new due
    time gets its reminders again."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="sent_steps")
    index = models.PositiveSmallIntegerField()
    step = models.CharField(max_length=40)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sent step")
        verbose_name_plural = _("sent steps")
        ordering = ["sent_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["deadline", "index", "due_at"], name="one_sent_step_per_due_time")]

    def __str__(self) -> str:
        return f"{self.deadline_id} · {self.step} · {self.sent_at:%Y-%m-%d %H:%M}"
