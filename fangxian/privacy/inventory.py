"""The inventory of personal information (个人信息处理活动记录) as the privacy app reads it:
the registry of fangxian.core.personal, checked against the installed models.

`looks_personal` is the rule the inventory test applies to every installed model: a field
whose name or English verbose name looks like personal information must be registered by
its app (or declared not personal with `register_personal_fields(label, not_personal=(…))`
by the app that owns the model, or listed in `ALLOWED` below with the reason).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils import translation

from fangxian.core.personal import Category, PersonalField, PersonalModel, Retention, personal_models

# Words that mark a field as personal: identity, contact, health, whereabouts, photos,
# family, accounts, and free text (notes, comments, messages) that may describe someone.
PERSONAL_WORDS = re.compile(
    r"name|id_?number|id number|identity|passport|birth|gender|\bsex\b|nationality|ethnic|religion|hometown"
    r"|phone|mobile|\btel\b|telephone|address|e-?mail|contact|wecom|dingtalk|openid|wechat"
    r"|health|temperature|symptom|diagnos|illness|disease|disabilit|medical|psych|test_?result|vaccin"
    r"|photo|image|picture|avatar|face"
    r"|location|destination|whereabouts|travel|gps|latitude|longitude|plate"
    r"|guardian|parent|family|hardship|emergency"
    r"|username|user_?agent|ip_?address|\bip\b"
    r"|note|remark|comment|reason|purpose|message|body|text|detail|subject|owner|student_?id|student_?number|staff_?number",
    re.IGNORECASE,
)

# Fields that look personal and are not, for models no app of ours owns (Django's and
# third-party tables: nobody can register them from the owning app). Apps declare their own
# false positives with `not_personal=` beside their registrations.
ALLOWED: dict[str, frozenset[str]] = {
    "auth.permission": frozenset({"name", "codename"}),  # a permission's name ("Can add user")
    "auth.group": frozenset({"name"}),  # a group's name
    "contenttypes.contenttype": frozenset({"model"}),  # a model's class name
    "sessions.session": frozenset(),
    # axes' request details are routing data of a sign-in attempt (the person is in
    # username/ip_address, which accounts registers).
    "axes.accessattempt": frozenset({"http_accept", "path_info", "get_data", "post_data"}),
    "axes.accesslog": frozenset({"http_accept", "path_info"}),
    "axes.accessfailurelog": frozenset({"http_accept", "path_info"}),
    # Hazards' own texts (a campaign's and a checklist's names, a checklist question, a
    # version's change note): things, not people. To move into hazards' registration
    # (`not_personal=`) when that app next changes.
    "hazards.campaign": frozenset({"name"}),
    "hazards.checklist": frozenset({"name"}),
    "hazards.checklistitem": frozenset({"text"}),
    "hazards.checklistversion": frozenset({"note"}),
}

# Field kinds that hold a value (relations point at a person whose own fields are registered).
_SKIPPED_FIELDS = (models.AutoField, models.BooleanField)


def looks_personal(field: models.Field) -> bool:
    if field.is_relation or not getattr(field, "concrete", True) or isinstance(field, _SKIPPED_FIELDS):
        return False
    with translation.override("en"):
        verbose = str(field.verbose_name)
    return bool(PERSONAL_WORDS.search(field.name) or PERSONAL_WORDS.search(verbose))


def model_label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def unregistered() -> list[str]:
    """Every "app.model.field" of an installed model that looks personal and is neither
    registered nor declared not personal."""
    registered = {m.label: m for m in personal_models()}
    missing = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        label = model_label(model)
        entry = registered.get(label)
        names = {f.name for f in entry.fields} if entry else set()
        allowed = set(ALLOWED.get(label, ())) | set(entry.extra.get("not_personal", ()) if entry else ())
        for field in model._meta.get_fields():
            if isinstance(field, models.Field) and looks_personal(field) and field.name not in names | allowed:
                missing.append(f"{label}.{field.name}")
    return sorted(missing)


def registration_errors() -> list[str]:
    """Registrations that name what does not exist (model, field, date field, category)."""
    errors = []
    categories, retentions = set(Category.values), set(Retention.values)
    for entry in personal_models():
        app_label, _dot, name = entry.label.partition(".")
        try:
            model = apps.get_model(app_label, name)
        except LookupError:
            errors.append(f"{entry.label}: no such model")
            continue
        names = {f.name for f in model._meta.get_fields()}
        for f in entry.fields:
            if f.name not in names:
                errors.append(f"{entry.label}.{f.name}: no such field")
            if f.category not in categories:
                errors.append(f"{entry.label}.{f.name}: unknown category {f.category!r}")
            if f.retention not in retentions:
                errors.append(f"{entry.label}.{f.name}: unknown retention {f.retention!r}")
        for extra in ("not_personal",):
            for n in entry.extra.get(extra, ()):
                if n not in names:
                    errors.append(f"{entry.label}.{n}: declared not personal but no such field")
        if entry.dated_by and resolve_field(model, entry.dated_by) is None:
            errors.append(f"{entry.label}: dated_by {entry.dated_by!r} is no field")
        owner = entry.extra.get("owner")
        if isinstance(owner, str) and owner.split("__")[0] not in names:
            errors.append(f"{entry.label}: owner {owner!r} is no field")
        if entry.extra.get("purge", "") not in ("", "delete", "deidentify", "none"):
            errors.append(f"{entry.label}: purge must be delete, deidentify or none")
    return errors


def resolve_field(model, path: str) -> models.Field | None:
    """The field at the end of `path` ("starts_at", or "shift__starts_at" through a foreign key)."""
    *hops, last = path.split("__")
    for hop in hops:
        try:
            field = model._meta.get_field(hop)
        except Exception:  # noqa: BLE001  (FieldDoesNotExist: reported by the caller)
            return None
        if not field.is_relation or field.related_model is None:
            return None
        model = field.related_model
    try:
        return model._meta.get_field(last)
    except Exception:  # noqa: BLE001
        return None


def model_of(entry: PersonalModel):
    app_label, _dot, name = entry.label.partition(".")
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def purge_mode(entry: PersonalModel) -> str:
    """delete, deidentify or none: what the retention job does with a row past its retention
    (default: delete a dated row; an undated row lives as long as what it belongs to)."""
    mode = entry.extra.get("purge", "")
    if mode:
        return mode
    return "delete" if entry.dated_by else "none"


@dataclass(frozen=True)
class InventoryRow:
    label: str
    model_name: str
    app_name: str
    field: PersonalField
    field_name: str
    dated_by: str
    purge: str


def inventory_rows() -> list[InventoryRow]:
    """One row per registered field, in the registry's order (model label, then as registered)."""
    rows = []
    for entry in personal_models():
        model = model_of(entry)
        if model is None or not entry.fields:
            continue
        fields = {f.name: f for f in model._meta.get_fields()}
        for f in entry.fields:
            mf = fields.get(f.name)
            rows.append(
                InventoryRow(
                    label=entry.label,
                    model_name=str(model._meta.verbose_name),
                    app_name=str(apps.get_app_config(model._meta.app_label).verbose_name),
                    field=f,
                    field_name=str(getattr(mf, "verbose_name", f.name)),
                    dated_by=entry.dated_by,
                    purge=purge_mode(entry),
                )
            )
    return rows
