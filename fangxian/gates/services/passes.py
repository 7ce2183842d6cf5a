"""Passes: revoking and lifting a holder's passes, and issuing personal and visit passes."""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.org.models import Staff, Student

from .. import signing
from ..categories import categories_of
from ..models import Revocation, Visit
from ..selectors import current_leave, forget_revocations, home_campus_id


@transaction.atomic
def revoke_passes(*, subject: str, reason: str, by=None) -> Revocation:
    if not re.match(r"^[STV]\d+$", subject):
        raise ValidationError({"subject": _("Unknown pass holder.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the passes are revoked.")})
    existing = Revocation.objects.filter(subject=subject, lifted_at__isnull=True).first()
    if existing:
        return existing
    revocation = Revocation.objects.create(subject=subject, reason=reason.strip(), revoked_by=by)
    forget_revocations()
    return revocation


@transaction.atomic
def lift_revocation(*, subject: str) -> int:
    lifted = Revocation.objects.filter(subject=subject, lifted_at__isnull=True).update(lifted_at=timezone.now())
    forget_revocations()
    return lifted


def subject_of(person) -> str:
    if isinstance(person, Student):
        return f"S{person.pk}"
    if isinstance(person, Staff):
        return f"T{person.pk}"
    return person.subject


def issue_personal_pass(person, now: datetime | None = None) -> tuple[str, dict]:
    """A fresh pass for a student or member of staff."""
    now = now or timezone.now()
    categories = sorted(categories_of(person, timezone.localdate(now)))
    window = None
    if isinstance(person, Student):
        leave = current_leave(person, now)
        if leave is not None:
            window = (int(leave.starts_at.timestamp()), int(leave.ends_at.timestamp()))
    return signing.issue(
        subject=subject_of(person), name=person.name, categories=categories, campus_id=home_campus_id(person), window=window, now=now
    )


def issue_visit_pass(visit: Visit, now: datetime | None = None) -> tuple[str, dict]:
    window = (int(visit.starts_at.timestamp()), int(visit.ends_at.timestamp()))
    return signing.issue(subject=visit.subject, name=visit.name, categories=[visit.kind], campus_id=visit.campus_id, window=window, now=now)
