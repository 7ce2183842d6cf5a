"""The access index: every security event that discloses a person's data (a page of the
person viewed, a number revealed, an export holding the person) adds one AccessRecord per
person, in the event's transaction, so the auditor can ask "who saw 张三 and when"."""

from __future__ import annotations

from django.db.models.signals import post_save

from fangxian.audit.models import SecurityEvent

from .models import AccessRecord

DISCLOSURES = (SecurityEvent.Kind.PERSONAL_VIEW, SecurityEvent.Kind.REVEAL, SecurityEvent.Kind.EXPORT)
_KINDS = {"student": AccessRecord.PersonKind.STUDENT, "staff": AccessRecord.PersonKind.STAFF}


def people_of(detail: dict) -> list[tuple[str, int]]:
    """(person kind, pk) of everyone an event's detail names: `student`/`staff` (a page),
    `subject_type` + `subject_id` (a reveal), `students`/`staff_ids` (the rows of an export)."""
    found: list[tuple[str, int]] = []
    for key, kind in (("student", "student"), ("staff", "staff")):
        if isinstance(detail.get(key), int):
            found.append((kind, detail[key]))
    if detail.get("subject_type") in _KINDS and isinstance(detail.get("subject_id"), int):
        found.append((detail["subject_type"], detail["subject_id"]))
    for key, kind in (("students", "student"), ("staff_ids", "staff")):
        values = detail.get(key)
        if isinstance(values, list):
            found.extend((kind, pk) for pk in values if isinstance(pk, int))
    return list(dict.fromkeys(found))


def index_event(sender, instance: SecurityEvent, created: bool, **kwargs) -> None:
    if not created or instance.kind not in DISCLOSURES or not isinstance(instance.detail, dict):
        return
    detail = instance.detail
    if instance.kind == SecurityEvent.Kind.EXPORT:
        from .exports import record_of

        record_of(instance)  # the file's export record: who, what, masked or not, which rows
    reason = " · ".join(str(part) for part in (detail.get("reason_label"), detail.get("reason_text")) if part)
    what = str(detail.get("export") or detail.get("field") or "")[:100]
    AccessRecord.objects.bulk_create(
        [
            AccessRecord(
                event_id=instance.pk,
                kind=instance.kind,
                at=instance.at,
                user_id=instance.user_id,
                username=instance.username,
                ip_address=instance.ip_address,
                person_kind=kind,
                person_id=pk,
                field=str(detail.get("field", ""))[:60],
                reason=reason[:300],
                what=what,
            )
            for kind, pk in people_of(detail)
        ],
        batch_size=2000,
    )


def connect() -> None:
    post_save.connect(index_event, sender=SecurityEvent, dispatch_uid="privacy-access-index")
