"""The organisation's personal fields (个人信息处理活动记录, see fangxian.core.personal)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.core.personal import Category, Mask, PersonalField, register_personal_fields


def register() -> None:
    # Students and staff live while they are enrolled or employed (no date of their own):
    # the person's record is the root every other personal row points at.
    for label, number, number_purpose in (
        ("org.Student", "student_number", _("Identify the student in lists, imports and at the gate")),
        ("org.Staff", "staff_number", _("Identify the member of staff in lists, imports and at the gate")),
    ):
        register_personal_fields(
            label,
            PersonalField("name", Category.IDENTITY, _("Address the person and name them in lists")),
            PersonalField("gender", Category.IDENTITY, _("Allocate dormitories and count headcounts by sex")),
            PersonalField(number, Category.IDENTITY, number_purpose),
            PersonalField("id_number", Category.IDENTITY, _("Match the person with official records"), mask=Mask.ID_NUMBER, sensitive=True),
            PersonalField("phone", Category.CONTACT, _("Reach the person in an emergency"), mask=Mask.PHONE),
            PersonalField("photo", Category.PHOTO, _("Let guards recognise the person at the gate"), mask=Mask.HIDDEN),
            PersonalField("wecom_userid", Category.ACCOUNT, _("Send notifications through WeCom")),
            PersonalField("dingtalk_userid", Category.ACCOUNT, _("Send notifications through DingTalk")),
        )
    register_personal_fields(
        "org.Assignment",
        PersonalField("note", Category.NOTE, _("Explain a responsibility (may name a person)")),
        owner="staff",
    )
    # The trees name units and places, not people; a place's sex is a dormitory's.
    register_personal_fields("org.Unit", not_personal=("name",))
    register_personal_fields("org.Place", not_personal=("name", "gender"))
