"""Notifications' personal fields (see fangxian.core.personal)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields


def register() -> None:
    # A message may name a student ("张三 has not returned from leave").
    register_personal_fields(
        "notify.Notification",
        PersonalField("title", Category.NOTE, _("Tell a user what needs their attention"), Retention.YEAR_1),
        PersonalField("body", Category.NOTE, _("Tell a user what needs their attention"), Retention.YEAR_1),
        dated_by="created_at",
        owner="user",
    )
    register_personal_fields(
        "notify.Delivery",
        PersonalField("target", Category.CONTACT, _("Prove a message was delivered"), Retention.MONTHS_6),
        PersonalField("text", Category.NOTE, _("Prove a message was delivered"), Retention.MONTHS_6),
        dated_by="created_at",
    )
