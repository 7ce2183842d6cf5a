"""The inventory of personal information (个人信息处理活动记录): every model field that holds
personal information, registered by the app that owns the model from its AppConfig.ready().

    from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields

    register_personal_fields(
        "duty.Shift",  # app_label.ModelName
        PersonalField("phone", Category.CONTACT, _("Reach the person on duty"), Retention.YEARS_3),
        PersonalField("check_in_place", Category.WHEREABOUTS, _("Prove presence on post"), Retention.AFTER_EMERGENCY),
        dated_by="starts_at",  # the field that dates a row, for retention (default: none: the row lives while its owner does)
    )

Keywords the privacy app reads beside the fields (all optional):
- `purge="delete" | "deidentify" | "none"`: what the retention job does with a row past its
  retention (default: delete a row that has `dated_by`, keep an undated one with its owner);
  "deidentify" blanks the registered fields and keeps the row (counts stay), and
  `deidentify=fn(queryset) -> int` does it the model's own way (e.g. text inside JSON).
- `owner="student"` (a path to the org.Student / org.Staff / accounts.User the row is about)
  or `owner=fn(person) -> Q | None`: how "my data" finds a person's rows (default: the
  model's foreign keys to those models).
- `not_personal=("name",)`: fields that look personal and are not (a thing's name), so the
  inventory test passes; say why in a comment.

Category, sensitivity (PIPL art. 28: health, whereabouts, identity numbers, psychological
records, minors' data, biometric photos are sensitive) and retention are declared here once;
the privacy app reads the inventory for its page, its masking checks, its retention job and
"end the emergency". A field is registered by the app that owns its model, never by another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import idnumber


class Category(models.TextChoices):
    IDENTITY = "identity", _("Identity")  # name, ID number, student/staff number, birth date, sex
    CONTACT = "contact", _("Contact")  # phone, e-mail, address, emergency contact
    HEALTH = "health", _("Health")  # temperature, symptoms, test results, illness, disability
    WHEREABOUTS = "whereabouts", _("Whereabouts")  # gate scans, leave destinations, location, travel
    PSYCHOLOGICAL = "psychological", _("Psychological")  # psychological records and follow-ups
    PHOTO = "photo", _("Photo")  # face photos, photos showing people
    FAMILY = "family", _("Family and finances")  # guardians, hardship status
    ACCOUNT = "account", _("Account data")  # sign-in names, device identifiers, IP addresses
    NOTE = "note", _("Free text about a person")  # remarks that may name or describe someone


# Categories that are sensitive personal information whatever the field (PIPL art. 28).
SENSITIVE_CATEGORIES = frozenset({Category.HEALTH, Category.WHEREABOUTS, Category.PSYCHOLOGICAL, Category.PHOTO})


class Retention(models.TextChoices):
    WHILE_ENROLLED = "while_enrolled", _("As long as the person is enrolled or employed, then 1 year")
    AFTER_EMERGENCY = "after_emergency", _("Until 30 days after the emergency ends")
    MONTHS_6 = "months_6", _("6 months")
    YEAR_1 = "year_1", _("1 year")
    YEARS_3 = "years_3", _("3 years")
    AUDIT = "audit", _("3 years (audit log; never less than 6 months)")


# Masks a list, an export or the API applies to a field's value for roles that may not see it
# in full ("" = the category's default: shown to roles in scope, hidden in public output).
class Mask(models.TextChoices):
    NONE = "", _("Shown to roles in scope")
    ID_NUMBER = "id_number", _("ID number (6201**********123X)")
    PHONE = "phone", _("Phone number (138****5678)")
    ADDRESS = "address", _("Address (first part only)")
    HIDDEN = "hidden", _("Hidden (only roles that need it)")


# Why a full number is revealed: the short list every "show" asks for (with free text).
class RevealReason(models.TextChoices):
    CONTACT = "contact", _("Contact the person or their family")
    VERIFY = "verify", _("Verify the person's identity")
    REPORT = "report", _("Report to the authorities")
    EMERGENCY = "emergency", _("Handle an emergency")
    OTHER = "other", _("Other (explain below)")


def reveal_reason(reason: str, text: str) -> tuple[str, str]:
    """The reason given for a reveal, checked: (reason key, free text). Refuses a missing
    reason, an unknown one, and "other" without an explanation (ValidationError, in the
    user's language)."""
    from django.core.exceptions import ValidationError

    reason, text = (reason or "").strip(), " ".join((text or "").split())[:200]
    if reason not in RevealReason.values:
        raise ValidationError(_("Choose why you need to see the full value."), code="reason")
    if reason == RevealReason.OTHER and not text:
        raise ValidationError(_("Explain why you need to see the full value."), code="reason_text")
    return reason, text


def _mask_address(text: str) -> str:
    # The first part (a city, a district) and nothing that finds the door.
    return text[: max(2, min(6, len(text) // 3))] + "…"


def _hidden(text: str) -> str:
    return "******"


def _shown(text: str) -> str:
    return text


# One function per mask, looked up once (a list of 1,000 rows masks 2,000 values: the
# lookup and the call are the whole cost, see bench/bench_privacy.py).
_MASKERS = {
    Mask.ID_NUMBER.value: idnumber.mask,
    Mask.PHONE.value: idnumber.mask_phone,
    Mask.ADDRESS.value: _mask_address,
    Mask.HIDDEN.value: _hidden,
}


def masker(mask: str):
    """The function that masks one value for `mask` (None and "" stay ""): look it up once
    per column, then call it per row."""
    function = _MASKERS.get(mask, _shown)

    def apply(value) -> str:
        if value is None or value == "":
            return ""
        return function(value if type(value) is str else str(value))

    return apply


def mask_value(value, mask: str) -> str:
    """A value as lists, exports and the API show it to roles that may not see it in full."""
    if value is None or value == "":
        return ""
    return _MASKERS.get(mask, _shown)(value if type(value) is str else str(value))


@dataclass(frozen=True)
class PersonalField:
    name: str  # the model field's name
    category: str  # a Category
    purpose: str  # why the platform holds it (shown in the inventory)
    retention: str = Retention.WHILE_ENROLLED
    sensitive: bool | None = None  # None: decided by the category (and True for ID numbers)
    mask: str = Mask.NONE

    @property
    def is_sensitive(self) -> bool:
        if self.sensitive is not None:
            return self.sensitive
        return self.category in SENSITIVE_CATEGORIES or self.mask == Mask.ID_NUMBER


@dataclass(frozen=True)
class PersonalModel:
    label: str  # "app_label.ModelName"
    fields: tuple[PersonalField, ...]
    dated_by: str = ""  # the field dating a row, for retention ("" = lives with its owner)
    extra: dict = field(default_factory=dict)  # room for the privacy app's per-model settings

    def get(self, name: str) -> PersonalField | None:
        return next((f for f in self.fields if f.name == name), None)


_models: dict[str, PersonalModel] = {}


def register_personal_fields(label: str, *fields: PersonalField, dated_by: str = "", **extra) -> None:
    """Register the personal fields of one model (call again to add fields: they merge)."""
    label = _normal(label)
    known = _models.get(label)
    if known is not None:
        names = {f.name for f in fields}
        fields = tuple(f for f in known.fields if f.name not in names) + tuple(fields)
        dated_by = dated_by or known.dated_by
        extra = {**known.extra, **extra}
    _models[label] = PersonalModel(label, tuple(fields), dated_by, extra)


def personal_models() -> list[PersonalModel]:
    return sorted(_models.values(), key=lambda m: m.label)


def personal_model(label: str) -> PersonalModel | None:
    return _models.get(_normal(label))


def masked_fields(label: str) -> dict[str, str]:
    """{field name: mask} of one model's registered fields that carry a mask."""
    model = personal_model(label)
    return {f.name: f.mask for f in model.fields if f.mask} if model else {}


def personal_field(label: str, name: str) -> PersonalField | None:
    model = personal_model(label)
    return model.get(name) if model else None


def _normal(label: str) -> str:
    app, _dot, model = label.partition(".")
    return f"{app}.{model.lower()}"
