"""Assignments (责任): who holds which role for which unit, place or student, when."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.importing import CHOICE, DATE, IDENTIFIER, Column, Importer, Row, RowError

from ..models import ASSIGNMENT_TARGETS, Assignment, AssignmentRole, Place, Staff, Student, Unit
from .common import BATCH, _kind, _resolve, _unit_paths, default_institution

# The role names of the file format (data, like the headers).
ROLE_LABELS = (
    (AssignmentRole.LEADER.value, "包抓领导"),
    (AssignmentRole.COLLEGE_SECRETARY.value, "党委书记"),
    (AssignmentRole.COLLEGE_DEAN.value, "院长"),
    (AssignmentRole.COLLEGE_ADMIN.value, "防控专员"),
    (AssignmentRole.RESPONSIBLE.value, "负责人"),
    (AssignmentRole.COUNSELOR.value, "辅导员"),
    (AssignmentRole.CLASS_TEACHER.value, "班主任"),
    (AssignmentRole.BUILDING_MANAGER.value, "楼栋管理员"),
    (AssignmentRole.ONE_TO_ONE.value, "一对一责任人"),
    (AssignmentRole.GATE_GUARD.value, "门卫"),
    (AssignmentRole.LAB_SAFETY.value, "实验室安全责任人"),
)


class AssignmentImporter(Importer):
    """Assignments (责任): who holds which role for which unit, place or student, when.
    Matched by staff, role, target and start date."""

    name = "assignments"
    title = gettext_lazy("Assignments")
    description = gettext_lazy("Who is responsible for which unit, place or student, from when to when.")
    key = ("staff_number", "role", "target", "start_date")
    columns = [
        Column("staff_number", "工号", kind=IDENTIFIER, required=True, max_length=32, example="HX00001"),
        Column("role", "角色", kind=CHOICE, required=True, choices=ROLE_LABELS, aliases=("职责",), example="辅导员"),
        Column(
            "target",
            "对象",
            required=True,
            max_length=300,
            aliases=("负责对象",),
            example="医学院/临床医学/2021级",
            help="单位路径（医学院/临床医学/2021级）、场所路径（校本部/东门）或学生学号；名称唯一时只写名称也可以。",
        ),
        Column("start_date", "开始日期", kind=DATE, required=True, example="2022-07-14"),
        Column("end_date", "结束日期", kind=DATE, help="空着表示一直负责到另行安排。"),
        Column("note", "备注", max_length=200),
    ]
    template_notes = ["同一工号、角色、对象和开始日期的行视为同一条责任：再次导入只更新结束日期和备注。"]

    def validate(self, rows: list[Row]) -> list[RowError]:
        institution = default_institution()
        if institution is None:
            return [RowError(0, "", _("Create the institution first: there is no institution to import into."))]
        errors: list[RowError] = []
        staff = dict(Staff.objects.filter(institution=institution).values_list("staff_number", "pk"))
        roles = {row["role"] for row in rows}
        wants = {kind for role in roles for kind in ASSIGNMENT_TARGETS.get(role, {})}
        students = dict(Student.objects.filter(institution=institution).values_list("student_number", "pk")) if "student" in wants else {}
        unit_names, unit_paths = _unit_paths(institution) if "unit" in wants else ({}, {})
        unit_kinds = dict(Unit.objects.subtree(institution).values_list("pk", "kind")) if "unit" in wants else {}
        place_names, place_paths, place_info = _place_paths(institution) if "place" in wants else ({}, {}, {})
        held: dict[tuple, list[tuple[int, date, date | None, str]]] = {}
        for pk, staff_id, role, unit_id, place_id, student_id, start, end, note in Assignment.objects.filter(
            staff__institution=institution, role__in=roles
        ).values_list("pk", "staff_id", "role", "unit_id", "place_id", "student_id", "start_date", "end_date", "note"):
            held.setdefault((staff_id, role, unit_id, place_id, student_id), []).append((pk, start, end, note))
        in_file: dict[tuple, list[tuple[date, date | None, int]]] = {}
        for row in rows:
            staff_id = staff.get(row["staff_number"])
            if staff_id is None:
                errors.append(
                    self.error(
                        row, "staff_number", _("There is no staff member with the number %(number)s.") % {"number": row["staff_number"]}
                    )
                )
            start, end = row["start_date"], row["end_date"]
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
            for _pk, other_start, other_end, _note in held.get(key, []):
                if other_start != start and _overlap(start, end, other_start, other_end):
                    message = _("This person already holds this role for it from %(start)s to %(end)s.") % {
                        "start": other_start,
                        "end": other_end or "—",
                    }
                    errors.append(self.error(row, "start_date", message))
                    break
            for other_start, other_end, number in in_file.get(key, []):
                if other_start != start and _overlap(start, end, other_start, other_end):
                    errors.append(self.error(row, "start_date", _("The period overlaps row %(row)s.") % {"row": number}))
                    break
            in_file.setdefault(key, []).append((start, end, row.number))
        self._held = held
        return errors

    def target(self, row, students, unit_names, unit_paths, unit_kinds, place_names, place_paths, place_info, institution):
        """(unit_id, place_id, student_id) of the 对象 cell, or an error."""
        allowed = ASSIGNMENT_TARGETS.get(row["role"], {})
        text = row["target"]
        role = dict(ROLE_LABELS).get(row["role"], row["role"])
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
                if kind in allowed["place"] and (not allowed.get("use") or use == allowed["use"]):
                    return (None, pk, None), None
                problem = _("A %(role)s is held for a %(kinds)s, not a %(kind)s.") % {
                    "role": role,
                    "kinds": "、".join(_kind(k) for k in allowed["place"]) + ("（实验室）" if allowed.get("use") else ""),
                    "kind": _kind(kind),
                }
            if not problems or "/" in text:
                problems.append(problem)
        return None, problems[-1] if problems else _("This role cannot be imported.")

    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        new: list[Assignment] = []
        changed: list[Assignment] = []
        unchanged = 0
        for row in rows:
            staff_id, role, unit_id, place_id, student_id = row["_key"]
            end, note = row["end_date"], row["note"]
            match = next((held for held in self._held.get(row["_key"], []) if held[1] == row["start_date"]), None)
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
                        note=note,
                        created_by=self.user if getattr(self.user, "pk", None) else None,
                    )
                )
            elif (match[2], match[3]) != (end, note):
                changed.append(Assignment(pk=match[0], end_date=end, note=note))
            else:
                unchanged += 1
        Assignment.objects.bulk_update(changed, ["end_date", "note"], batch_size=BATCH)
        Assignment.objects.bulk_create(new, batch_size=BATCH)
        return len(new), len(changed), unchanged


def _overlap(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    return (end is None or other_start <= end) and (other_end is None or other_end >= start)


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
