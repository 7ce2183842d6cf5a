"""Assignments (责任): who holds which role for which unit, place or student, when."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.importing import CHOICE, DATE, IDENTIFIER, Column, Importer, Row, RowError
from fangxian.core.params import parse_datetime_value

from ..models import Assignment, Place, Staff, Student, Unit, day_start
from ..registry import assignment_role, assignment_roles
from .common import BATCH, _kind, _resolve, _unit_paths, default_institution


def role_labels() -> tuple[tuple[str, str], ...]:
    """(key, name in the file) of every registered role that has a name in import files
    (the file format's words, data like the headers)."""
    return tuple((spec.key, spec.import_name) for spec in assignment_roles() if spec.import_name)


class _RoleLabels:
    """ROLE_LABELS read the registry when used, so that roles registered by any app count."""

    def __iter__(self):
        return iter(role_labels())

    def __len__(self):
        return len(role_labels())

    def __getitem__(self, index):
        return role_labels()[index]


ROLE_LABELS = _RoleLabels()


def _targets(role: str) -> dict:
    """Where a role may be held, as {"unit": kinds, "place": kinds, "uses": uses, "student": True}."""
    spec = assignment_role(role)
    if spec is None:
        return {}
    shape: dict = {}
    if spec.unit_kinds:
        shape["unit"] = spec.unit_kinds
    if spec.place_kinds:
        shape["place"] = spec.place_kinds
    if spec.place_uses:
        shape["uses"] = spec.place_uses
    if spec.student:
        shape["student"] = True
    return shape


def _moment(text: str) -> datetime | None:
    """A date and time written 2024-03-01 20:00 (or 2024/03/01 20:00, or ISO 8601)."""
    return parse_datetime_value(text.replace("/", "-")) if text else None


def _window(start: date, end: date | None, starts_at: datetime | None, ends_at: datetime | None):
    return starts_at or day_start(start), ends_at or (day_start(end + timedelta(days=1)) if end else None)


class _Columns:
    """The columns, built when read: the role column's choices come from the registry."""

    def __get__(self, obj, owner):
        return [
            Column("staff_number", "工号", kind=IDENTIFIER, required=True, max_length=32, example="HX00001"),
            Column("role", "角色", kind=CHOICE, required=True, choices=role_labels(), aliases=("职责",), example="辅导员"),
            Column(
                "target",
                "对象",
                required=True,
                max_length=300,
                aliases=("负责对象",),
                example="医学院/临床医学/2021级",
                help="单位路径（医学院/临床医学/2021级）、场所路径（校本部/东门）或学生学号；名称唯一时只写名称也可以。",
            ),
            Column("start_date", "开始日期", kind=DATE, help="按时间负责（如值班班次）时可空着，按开始时间计。", example="2022-07-14"),
            Column("end_date", "结束日期", kind=DATE, help="空着表示一直负责到另行安排。"),
            Column("starts_at", "开始时间", max_length=40, help="可选：按时间负责时填写，如 2022-07-14 20:00。"),
            Column("ends_at", "结束时间", max_length=40, help="可选：如 2022-07-15 08:00；结束时刻本身不再负责。"),
            Column("note", "备注", max_length=200),
        ]


class AssignmentImporter(Importer):
    """Assignments (责任): who holds which role for which unit, place or student, when.
    Matched by staff, role, target and start date. Created assignments and changed end
    dates and notes are in the change log with the batch, which can be undone while they
    have not been ended or changed since."""

    name = "assignments"
    undoable = True
    title = gettext_lazy("Assignments")
    description = gettext_lazy("Who is responsible for which unit, place or student, from when to when.")
    key = ("staff_number", "role", "target", "start_date")
    columns = _Columns()
    template_notes = [
        "同一工号、角色、对象和开始日期（及开始时间）的行视为同一条责任：再次导入只更新结束日期、结束时间和备注。",
        "按时间负责（如 20:00 至次日 08:00 的值班）时填写开始时间和结束时间，日期可空着。",
    ]

    def validate(self, rows: list[Row]) -> list[RowError]:
        institution = default_institution()
        if institution is None:
            return [RowError(0, "", _("Create the institution first: there is no institution to import into."))]
        errors: list[RowError] = []
        staff = dict(Staff.objects.filter(institution=institution).values_list("staff_number", "pk"))
        roles = {row["role"] for row in rows}
        wants = {kind for role in roles for kind in _targets(role)}
        students = dict(Student.objects.filter(institution=institution).values_list("student_number", "pk")) if "student" in wants else {}
        unit_names, unit_paths = _unit_paths(institution) if "unit" in wants else ({}, {})
        unit_kinds = dict(Unit.objects.subtree(institution).values_list("pk", "kind")) if "unit" in wants else {}
        place_names, place_paths, place_info = _place_paths(institution) if "place" in wants else ({}, {}, {})
        held: dict[tuple, list[tuple]] = {}
        for pk, staff_id, role, unit_id, place_id, student_id, start, end, starts_at, ends_at, note in Assignment.objects.filter(
            staff__institution=institution, role__in=roles
        ).values_list(
            "pk", "staff_id", "role", "unit_id", "place_id", "student_id", "start_date", "end_date", "starts_at", "ends_at", "note"
        ):
            held.setdefault((staff_id, role, unit_id, place_id, student_id), []).append((pk, start, end, note, starts_at, ends_at))
        in_file: dict[tuple, list[tuple]] = {}
        for row in rows:
            if not self.times(row, errors):
                continue
            staff_id = staff.get(row["staff_number"])
            if staff_id is None:
                errors.append(
                    self.error(
                        row, "staff_number", _("There is no staff member with the number %(number)s.") % {"number": row["staff_number"]}
                    )
                )
            start, end = row["start_date"], row["end_date"]
            starts_at, ends_at = row.get("_starts_at"), row.get("_ends_at")
            if end and start and end < start:
                errors.append(self.error(row, "end_date", _("An assignment cannot end before it starts.")))
                continue
            target, problem = self.target(
                row, students, unit_names, unit_paths, unit_kinds, place_names, place_paths, place_info, institution
            )
            if problem:
                errors.append(self.error(row, "target", problem))
                continue
            if staff_id is None:
                continue
            key = (staff_id, row["role"], *target)
            row.values["_key"] = key
            window = _window(start, end, starts_at, ends_at)
            for _pk, other_start, other_end, _note, other_starts_at, other_ends_at in held.get(key, []):
                same = (other_start, other_starts_at) == (start, starts_at)
                if not same and _overlap(window, _window(other_start, other_end, other_starts_at, other_ends_at)):
                    message = _("This person already holds this role for it from %(start)s to %(end)s.") % {
                        "start": other_start,
                        "end": other_end or "—",
                    }
                    errors.append(self.error(row, "start_date", message))
                    break
            for other_start, other_starts_at, other_window, number in in_file.get(key, []):
                if (other_start, other_starts_at) != (start, starts_at) and _overlap(window, other_window):
                    errors.append(self.error(row, "start_date", _("The period overlaps row %(row)s.") % {"row": number}))
                    break
            in_file.setdefault(key, []).append((start, starts_at, window, row.number))
        self._held = held
        return errors

    def times(self, row: Row, errors: list[RowError]) -> bool:
        """Read the optional 开始时间/结束时间 and derive the dates from them, as the model
        does; False (with the errors) if they cannot be read or disagree."""
        ok = True
        moments = {}
        for name in ("starts_at", "ends_at"):
            text = str(row.get(name) or "").strip()
            moments[name] = _moment(text)
            if text and moments[name] is None:
                errors.append(
                    self.error(row, name, _("“%(value)s” is not a date and time; write it as 2022-07-14 20:00.") % {"value": text})
                )
                ok = False
        if not ok:
            return False
        starts_at, ends_at = moments["starts_at"], moments["ends_at"]
        if starts_at and ends_at and ends_at <= starts_at:
            errors.append(self.error(row, "ends_at", _("The end time must be after the start time.")))
            return False
        if starts_at:
            day = timezone.localdate(starts_at)
            if row["start_date"] and row["start_date"] != day:
                errors.append(
                    self.error(
                        row, "start_date", _("The start date is not the day of the start time (%(day)s).") % {"day": day.isoformat()}
                    )
                )
                return False
            row.values["start_date"] = day
        if ends_at:
            day = timezone.localdate(ends_at - timedelta(microseconds=1))
            if row["end_date"] and row["end_date"] != day:
                errors.append(
                    self.error(row, "end_date", _("The end date is not the last day of the end time (%(day)s).") % {"day": day.isoformat()})
                )
                return False
            row.values["end_date"] = day
        if not row["start_date"]:
            errors.append(self.error(row, "start_date", _("Give the first day, or a start time.")))
            return False
        if ends_at and not starts_at and ends_at <= day_start(row["start_date"]):
            errors.append(self.error(row, "ends_at", _("The end time must be after the start date.")))
            return False
        row.values["_starts_at"], row.values["_ends_at"] = starts_at, ends_at
        return True

    def target(self, row, students, unit_names, unit_paths, unit_kinds, place_names, place_paths, place_info, institution):
        """(unit_id, place_id, student_id) of the 对象 cell, or an error."""
        allowed = _targets(row["role"])
        text = row["target"]
        role = dict(role_labels()).get(row["role"], row["role"])
        if allowed.get("student"):
            pk = students.get(text)
            return ((None, None, pk), None) if pk else (None, _("There is no student with the number %(number)s.") % {"number": text})
        problems = []
        if allowed.get("unit"):
            pk, problem = _resolve(text, unit_names, unit_paths, institution.name, allowed["unit"])
            if pk is None and "/" not in text:
                pk, problem = _resolve(text, unit_names, unit_paths, institution.name)
            if pk is not None:
                if unit_kinds.get(pk) in allowed["unit"]:
                    return (pk, None, None), None
                problem = _("A %(role)s is held for a %(kinds)s, not a %(kind)s.") % {
                    "role": role,
                    "kinds": "、".join(_kind(k) for k in allowed["unit"]),
                    "kind": _kind(unit_kinds.get(pk, "")),
                }
            problems.append(problem)
        if allowed.get("place"):
            pk, problem = _resolve(text, place_names, place_paths, "", allowed["place"])
            if pk is None and "/" not in text:
                pk, problem = _resolve(text, place_names, place_paths, "")
            if pk is not None:
                kind, use = place_info[pk]
                if kind in allowed["place"] and (not allowed.get("uses") or use in allowed["uses"]):
                    return (None, pk, None), None
                uses = "、".join(str(Place.Use(u).label) for u in allowed.get("uses", ()) if u in Place.Use.values)
                problem = _("A %(role)s is held for a %(kinds)s, not a %(kind)s.") % {
                    "role": role,
                    "kinds": "、".join(_kind(k) for k in allowed["place"]) + (f"（{uses}）" if uses else ""),
                    "kind": _kind(kind),
                }
            if not problems or "/" in text:
                problems.append(problem)
        return None, problems[-1] if problems else _("This role cannot be imported.")

    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        new: list[Assignment] = []
        changed: list[Assignment] = []
        labels: list[str] = []
        logs: list[tuple[int, str, dict]] = []
        unchanged = 0
        roles = dict(ROLE_LABELS)
        for row in rows:
            staff_id, role, unit_id, place_id, student_id = row["_key"]
            label = f"{row['staff_number']} {roles.get(role, role)} {row['target']}"
            end, note = row["end_date"], row["note"]
            starts_at, ends_at = row.get("_starts_at"), row.get("_ends_at")
            match = next(
                (held for held in self._held.get(row["_key"], []) if (held[1], held[4]) == (row["start_date"], starts_at)),
                None,
            )
            if match is None:
                new.append(
                    Assignment(
                        staff_id=staff_id,
                        role=role,
                        unit_id=unit_id,
                        place_id=place_id,
                        student_id=student_id,
                        start_date=row["start_date"],
                        end_date=end,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        note=note,
                        created_by=self.user if getattr(self.user, "pk", None) else None,
                    )
                )
                labels.append(label)
            elif (match[2], match[3], match[5]) != (end, note, ends_at):
                changed.append(Assignment(pk=match[0], end_date=end, ends_at=ends_at, note=note))
                pairs = (("end_date", (match[2], end)), ("note", (match[3], note)), ("ends_at", (match[5], ends_at)))
                logs.append((match[0], label, {name: pair for name, pair in pairs if pair[0] != pair[1]}))
            else:
                unchanged += 1
        Assignment.objects.bulk_update(changed, ["end_date", "ends_at", "note"], batch_size=BATCH)
        Assignment.objects.bulk_create(new, batch_size=BATCH)
        self.log_changes(Assignment, logs)
        shown = ("staff_id", "role", "unit_id", "place_id", "student_id", "start_date", "end_date", "starts_at", "ends_at", "note")
        self.log_changes(
            Assignment,
            [
                (item.pk, label, {name: (None, getattr(item, name)) for name in shown if getattr(item, name) not in ("", None)})
                for item, label in zip(new, labels, strict=True)
            ],
            created=True,
            # Ended or changed since (a leaver, a hand-over): the undo would erase that.
            holds=("end_date", "ends_at"),
        )
        return len(new), len(changed), unchanged


def _overlap(window, other) -> bool:
    """Do two windows [start, end) (end None: open) share a moment?"""
    (start, end), (other_start, other_end) = window, other
    return (end is None or other_start < end) and (other_end is None or start < other_end)


def _place_paths(institution: Unit) -> tuple[dict, dict, dict]:
    """Places other than beds by name and by name path ("校本部/东门"), and their kind and use."""
    rows = list(
        Place.objects.active()
        .filter(institution=institution)
        .exclude(kind=Place.Kind.BED)
        .values_list("pk", "parent_id", "name", "kind", "use")
    )
    names = {pk: (parent_id, name) for pk, parent_id, name, _kind, _use in rows}
    by_name: dict[str, list[tuple[int, str]]] = {}
    by_path: dict[str, int] = {}
    info: dict[int, tuple[str, str]] = {}
    for pk, _parent_id, name, kind, use in rows:
        by_name.setdefault(name, []).append((pk, kind))
        info[pk] = (kind, use)
        parts, current = [], pk
        while current in names:
            parts.append(names[current][1])
            current = names[current][0]
        by_path["/".join(reversed(parts))] = pk
    return by_name, by_path, info
