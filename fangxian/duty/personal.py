"""The personal information the duty app holds (fangxian.core.personal)."""

from django.utils.translation import gettext_lazy as _

from fangxian.core.personal import Category, Mask, PersonalField, Retention, register_personal_fields


def register() -> None:
    register_personal_fields(
        "duty.Post",
        PersonalField("phone", Category.CONTACT, _("Reach the person on duty"), Retention.YEARS_3, mask=Mask.PHONE),
        PersonalField("checked_in_at", Category.WHEREABOUTS, _("Prove presence on post"), Retention.YEARS_3),
        PersonalField("checked_out_at", Category.WHEREABOUTS, _("Prove presence on post"), Retention.YEARS_3),
        PersonalField("handover_note", Category.NOTE, _("Hand the shift over to the next people on duty"), Retention.YEARS_3),
        dated_by="shift__starts_at",
    )
    register_personal_fields(
        "duty.Unavailability",
        PersonalField("reason", Category.NOTE, _("Plan duty around a person's absence"), Retention.YEAR_1),
        dated_by="end_date",
    )
    register_personal_fields(
        "duty.Swap",
        PersonalField("reason", Category.NOTE, _("Plan duty around a person's absence"), Retention.YEAR_1),
        dated_by="created_at",
    )
    register_personal_fields(
        "duty.LogEntry",
        PersonalField("text", Category.NOTE, _("Record what happened on duty"), Retention.YEARS_3),
        dated_by="written_at",
    )
    register_personal_fields(
        "duty.PingRequest",
        PersonalField("answered_at", Category.WHEREABOUTS, _("Check that the person on duty can be reached"), Retention.YEAR_1),
        dated_by="closes_at",
    )
