"""The gates' personal fields (see fangxian.core.personal). Scans, alerts and leave
applications are epidemic-only data: they follow "until 30 days after the emergency ends"."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangxian.core.personal import Category, Mask, PersonalField, Retention, register_personal_fields

AFTER = Retention.AFTER_EMERGENCY


def _by_subject(person) -> Q | None:
    """Rows that name a person by their pass subject (S<student pk>, T<staff pk>: passes.subject_of)."""
    from .services.passes import subject_of

    return Q(subject=subject_of(person))


def register() -> None:
    scan_purpose = _("Control who enters and leaves the campus")
    register_personal_fields(
        "gates.Scan",
        PersonalField("subject", Category.WHEREABOUTS, scan_purpose, AFTER),
        PersonalField("display_name", Category.WHEREABOUTS, scan_purpose, AFTER),
        PersonalField("plate", Category.WHEREABOUTS, scan_purpose, AFTER),
        dated_by="scanned_at",
        owner=_by_subject,
        not_personal=("reason",),  # the decision's reason code (e.g. "expired"), not about the person
    )
    register_personal_fields(
        "gates.GateAlert",
        PersonalField("subject", Category.WHEREABOUTS, _("Follow up refused attempts and late returns"), AFTER),
        PersonalField("message", Category.WHEREABOUTS, _("Follow up refused attempts and late returns"), AFTER),
        dated_by="created_at",
        owner=_by_subject,
    )
    leave_purpose = _("Decide on leaving the campus and know who is out")
    register_personal_fields(
        "gates.LeaveApplication",
        PersonalField("purpose", Category.WHEREABOUTS, leave_purpose, AFTER),
        PersonalField("destination", Category.WHEREABOUTS, leave_purpose, AFTER, mask=Mask.ADDRESS),
        PersonalField("rejection_reason", Category.NOTE, leave_purpose, AFTER),
        dated_by="ends_at",
        owner="student",
    )
    visit_purpose = _("Admit visitors registered by their host")
    register_personal_fields(
        "gates.Visit",
        PersonalField("name", Category.IDENTITY, visit_purpose, Retention.YEAR_1),
        PersonalField("id_number", Category.IDENTITY, visit_purpose, Retention.YEAR_1, mask=Mask.ID_NUMBER, sensitive=True),
        PersonalField("phone", Category.CONTACT, visit_purpose, Retention.YEAR_1, mask=Mask.PHONE),
        PersonalField("organisation", Category.IDENTITY, visit_purpose, Retention.YEAR_1),
        PersonalField("purpose", Category.WHEREABOUTS, visit_purpose, Retention.YEAR_1),
        dated_by="ends_at",
    )
    register_personal_fields(
        "gates.Vehicle",
        PersonalField("plate", Category.IDENTITY, _("Admit registered vehicles"), Retention.YEAR_1),
        PersonalField("owner", Category.IDENTITY, _("Admit registered vehicles"), Retention.YEAR_1),
        PersonalField("note", Category.NOTE, _("Admit registered vehicles"), Retention.YEAR_1),
        dated_by="ends_at",
    )
    # Only a lifted revocation ages (an active one keeps refusing the pass).
    register_personal_fields(
        "gates.Revocation",
        PersonalField("subject", Category.IDENTITY, _("Refuse a lost or withdrawn pass"), Retention.YEAR_1),
        PersonalField("reason", Category.NOTE, _("Refuse a lost or withdrawn pass"), Retention.YEAR_1),
        dated_by="lifted_at",
        owner=_by_subject,
    )
    # Things, not people: a gate policy's change note, a gate device's name.
    register_personal_fields("gates.PolicyVersion", not_personal=("note",))
    register_personal_fields("gates.Device", not_personal=("name",))
