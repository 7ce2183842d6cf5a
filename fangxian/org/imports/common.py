"""What the organisation importers share: the institution they write into, batch size,
genders, kind names for messages, fast bulk INSERT, near-duplicate name keys, and
resolving a cell that names a unit."""

from __future__ import annotations

import re
import unicodedata

from django.db import connection, models
from django.utils.translation import gettext as _

from fangxian.core.sealed import seal_rows

from ..models import Gender, Unit

BATCH = 2000
GENDERS = ((Gender.MALE.value, "男"), (Gender.FEMALE.value, "女"))
KIND_NAMES = {
    "institution": "学校",
    "college": "学院",
    "department": "部门",
    "hospital": "附属医院",
    "major": "专业",
    "grade": "年级",
    "class": "班级",
    "campus": "校区",
    "building": "楼栋",
    "room": "房间",
    "bed": "床位",
    "gate": "校门",
}


def default_institution() -> Unit | None:
    """The institution imports write into: the first one (a province-wide installation with
    several would add a 学校 column)."""
    return Unit.objects.filter(kind=Unit.Kind.INSTITUTION, archived_at__isnull=True).order_by("pk").first()


def insert_rows(model: type[models.Model], fields: list[str], rows: list[tuple]) -> None:
    """INSERT rows with one executemany per batch. bulk_create passes every value through
    the ORM's SQL compiler (several microseconds a value), which dominated a 30,000-row
    import; here the values are already what the columns store (ids, text, an adapted
    timestamp) except sealed fields (ID numbers, phones), which are sealed here; no
    signals are sent, as with bulk_create."""
    rows = seal_rows(model, fields, rows)
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    # Table and column names come from the model, never from the file.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


_BRACKETED = re.compile(r"[（(【\[].*?[）)】\]]")
_SUFFIX = re.compile(r"(室|号楼|号房|号|楼|栋|幢|座)$")


def near_key(name: str) -> str:
    """What is left of a name once what typos change is taken away: full-width forms
    (NFKC), case, spacing, bracketed notes and a trailing 室/号楼/栋 suffix. "医学 院",
    "医学院（本部）" and "医学院" share a key; so do "101室" and "101", "1号楼" and "1栋"."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = _BRACKETED.sub("", text)
    text = re.sub(r"\s+", "", text)
    return _SUFFIX.sub("", text) or text


def _kind(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def _unit_paths(institution: Unit) -> tuple[dict[str, list[tuple[int, str]]], dict[str, int]]:
    """The units of an institution by name (→ [(pk, kind)]) and by name path below the
    institution ("医学院/临床医学/2021级"), for resolving a cell that names a unit."""
    rows = list(Unit.objects.subtree(institution).active().values_list("pk", "parent_id", "name", "kind"))
    names = {pk: (parent_id, name) for pk, parent_id, name, _kind in rows}
    by_name: dict[str, list[tuple[int, str]]] = {}
    by_path: dict[str, int] = {}
    for pk, _parent_id, name, kind in rows:
        by_name.setdefault(name, []).append((pk, kind))
        parts, current = [], pk
        while current in names and current != institution.pk:
            parts.append(names[current][1])
            current = names[current][0]
        by_path["/".join(reversed(parts))] = pk
    by_path[institution.name] = institution.pk
    return by_name, by_path


def _resolve(
    text: str, by_name: dict, by_path: dict, institution_name: str, kinds: tuple[str, ...] | None = None
) -> tuple[int | None, str]:
    """(pk, "") for a unique name or a path; (None, why) otherwise."""
    if "/" in text:
        path = "/".join(part.strip() for part in text.strip("/").split("/"))
        if path.startswith(institution_name + "/"):
            path = path[len(institution_name) + 1 :]
        pk = by_path.get(path)
        return (pk, "") if pk else (None, _("No “%(name)s” found.") % {"name": text})
    candidates = [(pk, kind) for pk, kind in by_name.get(text, []) if kinds is None or kind in kinds]
    if len(candidates) == 1:
        return candidates[0][0], ""
    if not candidates:
        return None, _("No “%(name)s” found.") % {"name": text}
    return None, _("Several units are called “%(name)s”; write the path, e.g. 医学院/临床医学/2021级.") % {"name": text}
