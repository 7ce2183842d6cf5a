"""The ledger's personal fields (see fangxian.core.personal)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.core.personal import Category, Mask, PersonalField, Retention, register_personal_fields


def register() -> None:
    # A stay application is kept a year after the stay ends; then its contacts and free text
    # go (de-identified) while the row stays for the ledger's history and headcounts.
    register_personal_fields(
        "ledger.StayApplication",
        PersonalField("reason_note", Category.NOTE, _("Decide on the stay"), Retention.YEAR_1),
        PersonalField("emergency_contact", Category.CONTACT, _("Reach someone if the student is in danger"), Retention.YEAR_1),
        PersonalField(
            "emergency_phone", Category.CONTACT, _("Reach someone if the student is in danger"), Retention.YEAR_1, mask=Mask.PHONE
        ),
        PersonalField("parent_name", Category.FAMILY, _("Inform the family"), Retention.YEAR_1),
        PersonalField("parent_phone", Category.FAMILY, _("Inform the family"), Retention.YEAR_1, mask=Mask.PHONE),
        PersonalField("counselor_comment", Category.NOTE, _("Decide on the stay"), Retention.YEAR_1),
        PersonalField("college_comment", Category.NOTE, _("Decide on the stay"), Retention.YEAR_1),
        dated_by="end_date",
        purge="deidentify",
    )
    # Special groups (hardship, illness, …) are sensitive; the tag's note may describe the student.
    register_personal_fields(
        "ledger.StudentTag",
        PersonalField("note", Category.NOTE, _("Explain why the student needs attention"), Retention.YEAR_1, sensitive=True),
        dated_by="valid_to",
        purge="deidentify",
    )
    register_personal_fields("ledger.StatusSpell", PersonalField("note", Category.NOTE, _("Explain a change of the student's status")))
    register_personal_fields("ledger.MoveItem", PersonalField("note", Category.NOTE, _("Explain a dormitory move")))
    # Names of things, not of people.
    for label in ("ledger.StayPeriod", "ledger.StayReason", "ledger.Category", "ledger.MovePlan"):
        register_personal_fields(label, not_personal=("name",))
