"""Students, matched by student number: class, bed and ID number checked in bulk."""

from __future__ import annotations

import re

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.importing import CHOICE, DATE, ID_NUMBER, IDENTIFIER, NAME, PHONE, Column, Importer, Row, RowError

from .. import selectors
from ..messenger_ids import COLUMNS as MESSENGER_COLUMNS
from ..messenger_ids import write_messenger_ids
from ..models import Place, Student, Unit
from .common import BATCH, GENDERS, default_institution, insert_rows, near_key
from .leaving import apply_leaving, check_leaving_date

LEFT_STATUSES = (Student.Status.GRADUATED.value, Student.Status.WITHDRAWN.value)
STATUSES = (
    (Student.Status.ENROLLED.value, "在读"),
    (Student.Status.SUSPENDED.value, "休学"),
    (Student.Status.GRADUATED.value, "毕业"),
    (Student.Status.WITHDRAWN.value, "退学"),
)


def _classes(institution: Unit) -> dict[str, list[tuple[int, str]]]:
    """The active classes of the institution by name: [(pk, college name)]."""
    classes: dict[str, list[tuple[int, str]]] = {}
    for pk, name, college in (
        Unit.objects.subtree(institution).active().filter(kind=Unit.Kind.CLASS).values_list("pk", "name", "parent__parent__parent__name")
    ):
        classes.setdefault(name, []).append((pk, college))
    return classes


def _beds(institution: Unit) -> dict[tuple[str, str, str, str], tuple[int, str]]:
    """The active beds of the institution by (campus, building, room, bed): (pk, the
    gender of their room, else of their building)."""
    beds: dict[tuple[str, str, str, str], tuple[int, str]] = {}
    for pk, bed, room, building, campus, room_gender, building_gender in (
        Place.objects.active()
        .filter(institution=institution, kind=Place.Kind.BED)
        .values_list(
            "pk",
            "name",
            "parent__name",
            "parent__parent__name",
            "parent__parent__parent__name",
            "parent__gender",
            "parent__parent__gender",
        )
    ):
        beds[(campus, building, room, bed)] = (pk, room_gender or building_gender)
    return beds


class StudentImporter(Importer):
    """Students, matched by student number: new ones are created, known ones updated."""

    name = "students"
    title = gettext_lazy("Students")
    blanks_option = True
    undoable = True
    exportable = True
    masked_cells = True  # the masked export comes back: a masked number of a known student is "unchanged"
    description = gettext_lazy("Student number, name, gender, ID number, phone, class, bed and status.")
    key = ("student_number",)
    columns = [
        Column("student_number", "学号", kind=IDENTIFIER, required=True, max_length=32, example="2021150001001"),
        Column("name", "姓名", kind=NAME, required=True, max_length=50, example="张三"),
        Column("gender", "性别", kind=CHOICE, required=True, choices=GENDERS, example="男"),
        Column("id_number", "身份证号", kind=ID_NUMBER, aliases=("身份证号码", "公民身份号码"), help="18 位，末位校验码按 GB 11643 检查。"),
        Column("phone", "手机号", kind=PHONE, aliases=("手机", "联系电话", "电话")),
        Column("college", "学院", example="医学院", help="可选；班级名称在几个学院重复时用来区分。"),
        Column("klass", "班级", required=True, example="临床医学2021级1班"),
        Column("campus", "校区", example="医学院校区"),
        Column("building", "楼栋", aliases=("宿舍楼",), example="男生公寓1号楼"),
        Column("room", "房间", aliases=("宿舍号", "寝室"), example="101"),
        Column("bed", "床位", aliases=("床号",), example="1号床"),
        Column("bed_path", "床位路径", max_length=300, help="也可以在一列里写 校区/楼栋/房间/床位。"),
        Column("status", "状态", kind=CHOICE, choices=STATUSES, example="在读", help="在读、休学、毕业或退学；空着表示在读。"),
        Column(
            "left_on",
            "离校日期",
            kind=DATE,
            aliases=("毕业日期", "退学日期"),
            help="毕业或退学的学生自这一天起离校（账号停用，一对一等责任截至前一天）；空着表示今天。不能晚于今天。",
        ),
        *MESSENGER_COLUMNS,
    ]
    template_notes = [
        "按学号匹配：新学号新建，已有学号更新。文件里没有的列不改动；空着的单元格不改动（除非选择“空单元格清空该项”）。床位写在校区、楼栋、房间、床位四列，或写在床位路径一列。",
        "导出文件中脱敏的身份证号、手机号（如 6201**********123X、138****5678）可原样导回，表示不改；新学生须填写完整号码。",
    ]

    FIELDS = ("name", "gender", "id_number", "phone", "klass_id", "bed_id", "status")
    NEW_FIELDS = ("institution_id", "student_number", *FIELDS)

    def export_rows(self) -> list[list]:
        """The students the user may see, in this import's columns: an office exports,
        corrects and imports the file again."""
        genders, statuses = dict(GENDERS), dict(STATUSES)
        rows = (
            selectors.visible_students(self.user)
            .order_by("student_number")
            .values_list(
                "student_number",
                "name",
                "gender",
                "id_number",
                "phone",
                "klass__parent__parent__parent__name",
                "klass__name",
                "bed__parent__parent__parent__name",
                "bed__parent__parent__name",
                "bed__parent__name",
                "bed__name",
                "status",
            )
        )
        return [
            [
                number,
                name,
                genders.get(gender, ""),
                id_number,
                phone,
                college or "",
                klass,
                campus or "",
                building or "",
                room or "",
                bed or "",
                "",
                statuses.get(status, ""),
            ]
            for number, name, gender, id_number, phone, college, klass, campus, building, room, bed, status in rows.iterator(
                chunk_size=2000
            )
        ]

    def validate(self, rows: list[Row]) -> list[RowError]:
        institution = default_institution()
        if institution is None:
            return [RowError(0, "", _("Create the institution first: there is no institution to import into."))]
        classes = _classes(institution)
        near_classes = {near_key(name): name for name in classes}
        beds = _beds(institution) if any(row["bed"] or row["bed_path"] or row["room"] for row in rows) else {}
        existing, id_owner, bed_owner = self._students(institution)
        in_file = {row["student_number"] for row in rows}
        bed_rows: dict[int, int] = {}
        id_rows: dict[str, int] = {}
        errors: list[RowError] = []
        id_at, phone_at = 1 + self.FIELDS.index("id_number"), 1 + self.FIELDS.index("phone")
        for row in rows:
            old = existing.get(row["student_number"])
            for key, at in (("id_number", id_at), ("phone", phone_at)):
                problem = self.keep_masked(row, key, old[at] if old is not None else None)
                if problem:
                    errors.append(problem)
            errors += self._check_class(row, classes, near_classes)
            bed_errors, bed_read = self._check_bed(row, beds, bed_owner, bed_rows, in_file)
            errors += bed_errors
            if bed_read:  # a bed that cannot be read or found leaves the rest of the row unchecked
                errors += self._check_id_number(row, id_owner, id_rows, in_file)
            problem = check_leaving_date(self, row, gone=row["status"] in LEFT_STATUSES)
            if problem:
                errors.append(problem)
        self._existing = existing
        self._institution = institution
        return errors

    def _students(self, institution: Unit) -> tuple[dict[str, tuple], dict[str, str], dict[int, str]]:
        """The institution's students by number (pk and FIELDS), and the numbers of the
        students holding each ID number and each bed."""
        existing: dict[str, tuple] = {}
        id_owner: dict[str, str] = {}
        bed_owner: dict[int, str] = {}
        for number, pk, *values in Student.objects.filter(institution=institution).values_list("student_number", "pk", *self.FIELDS):
            existing[number] = (pk, *values)
            if values[2]:
                id_owner[values[2]] = number
            if values[5]:
                bed_owner[values[5]] = number
        return existing, id_owner, bed_owner

    def _check_class(self, row: Row, classes: dict[str, list[tuple[int, str]]], near_classes: dict[str, str]) -> list[RowError]:
        """The class, by name (and college when names repeat): sets row["_klass"]."""
        candidates = classes.get(row["klass"], [])
        if row["college"]:
            candidates = [c for c in candidates if c[1] == row["college"]]
        if len(candidates) == 1:
            row.values["_klass"] = candidates[0][0]
            return []
        if candidates:
            return [self.error(row, "klass", _("Several colleges have a class called “%(name)s”: fill in 学院.") % {"name": row["klass"]})]
        if row["college"] and classes.get(row["klass"]):
            message = _("The class “%(name)s” is not in %(college)s.") % {"name": row["klass"], "college": row["college"]}
        else:
            message = _("There is no class called “%(name)s”.") % {"name": row["klass"]}
            similar = near_classes.get(near_key(row["klass"]))
            if similar:
                message += _("Did you mean “%(name)s”?") % {"name": similar}
        return [self.error(row, "klass", message)]

    def _check_bed(self, row: Row, beds: dict, bed_owner: dict[int, str], bed_rows: dict[int, int], in_file: set[str]):
        """The bed, from the four columns or the path: sets row["_bed"] (None without one).
        Returns (errors, read): `read` is False when the bed cannot be read or found."""
        row.values["_bed"] = None
        parts = [row["campus"], row["building"], row["room"], row["bed"]]
        column = "bed"
        if row["bed_path"] and not any(parts):
            parts = [part.strip() for part in row["bed_path"].strip("/").split("/")]
            column = "bed_path"
        if not any(parts):
            return [], True
        if len(parts) != 4 or not all(parts):
            return [self.error(row, column, _("Give the bed as 校区, 楼栋, 房间 and 床位 (all four), or leave them all empty."))], False
        if re.fullmatch(r"\d{1,2}", parts[3]):
            parts[3] = f"{parts[3]}号床"
        found = beds.get(tuple(parts))
        if found is None:
            return [self.error(row, column, _("There is no bed %(path)s.") % {"path": "/".join(parts)})], False
        bed_id, bed_gender = found
        owner = bed_owner.get(bed_id)
        errors = []
        if bed_id in bed_rows:
            errors.append(self.error(row, column, _("Row %(row)s gives the same bed to another student.") % {"row": bed_rows[bed_id]}))
        elif owner and owner != row["student_number"] and owner not in in_file:
            errors.append(self.error(row, column, _("This bed is taken by the student %(number)s.") % {"number": owner}))
        elif bed_gender and row["gender"] and bed_gender != row["gender"]:
            gender = dict(GENDERS)[bed_gender]
            errors.append(self.error(row, column, _("The bed is in a room for %(gender)s students.") % {"gender": gender}))
        bed_rows.setdefault(bed_id, row.number)
        row.values["_bed"] = bed_id
        return errors, True

    def _check_id_number(self, row: Row, id_owner: dict[str, str], id_rows: dict[str, int], in_file: set[str]) -> list[RowError]:
        """The ID number belongs to one student: not another row's, nor a student's outside the file."""
        id_number = row["id_number"]
        if not id_number:
            return []
        owner = id_owner.get(id_number)
        errors = []
        if id_number in id_rows:
            errors.append(self.error(row, "id_number", _("Row %(row)s has the same ID number.") % {"row": id_rows[id_number]}))
        elif owner and owner != row["student_number"] and owner not in in_file:
            errors.append(self.error(row, "id_number", _("The student %(number)s has this ID number.") % {"number": owner}))
        id_rows.setdefault(id_number, row.number)
        return errors

    # Which columns of the file carry each field: a field whose columns are all absent is
    # left as it is on existing students.
    SOURCES = {
        "name": ("name",),
        "gender": ("gender",),
        "id_number": ("id_number",),
        "phone": ("phone",),
        "klass_id": ("klass",),
        "bed_id": ("campus", "building", "room", "bed", "bed_path"),
        "status": ("status",),
    }

    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        existing = self._existing
        new: list[tuple] = []
        changed: list[Student] = []
        logs: list[tuple[int, str, dict]] = []
        moving: list[int] = []  # students whose bed or ID number changes hands
        renumbered: list[int] = []
        leaving: list[tuple[int, object]] = []  # (student pk, day) of those this file says graduated or withdrew
        unchanged = 0
        institution_id = self._institution.pk
        given = [name for name in self.FIELDS if any(key in self.present for key in self.SOURCES[name])]
        for row in rows:
            values = {
                "name": row["name"],
                "gender": row["gender"],
                "id_number": row["id_number"],
                "phone": row["phone"],
                "klass_id": row["_klass"],
                "bed_id": row["_bed"],
                "status": row["status"],
            }
            old = existing.get(row["student_number"])
            if old is None:
                values["status"] = values["status"] or Student.Status.ENROLLED
                new.append((institution_id, row["student_number"], *(values[name] for name in self.FIELDS)))
                continue
            before = dict(zip(self.FIELDS, old[1:], strict=True))
            after = dict(before)
            for name in given:
                value = values[name]
                # A blank cell clears the field only when the user asked for it; a blank
                # status never does (a student is always in some status).
                if value in ("", None) and (not self.options.blanks_clear or name == "status"):
                    continue
                after[name] = value
            differing = {name: (before[name], after[name]) for name in self.FIELDS if before[name] != after[name]}
            if not differing:
                unchanged += 1
                continue
            changed.append(Student(pk=old[0], **after))
            logs.append((old[0], after["name"], differing))
            if before["status"] not in LEFT_STATUSES and after["status"] in LEFT_STATUSES:
                leaving.append((old[0], row.get("left_on")))
            if "bed_id" in differing:
                moving.append(old[0])
            if "id_number" in differing:
                renumbered.append(old[0])
        if changed:
            # Free the beds and ID numbers that change hands first: the unique constraints are
            # checked row by row, and two students may swap beds in one file.
            for start in range(0, len(moving), BATCH):
                Student.objects.filter(pk__in=moving[start : start + BATCH]).update(bed=None)
            for start in range(0, len(renumbered), BATCH):
                Student.objects.filter(pk__in=renumbered[start : start + BATCH]).update(id_number="")
            Student.objects.bulk_update(changed, list(self.FIELDS), batch_size=BATCH)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        insert_rows(Student, [*self.NEW_FIELDS, "created_at"], [(*values, now) for values in new])
        self.log_changes(Student, logs)
        if new:
            numbers = {values[1]: values for values in new}
            ids: dict[str, int] = {}
            keys = list(numbers)
            for start in range(0, len(keys), BATCH):
                ids.update(
                    Student.objects.filter(institution_id=institution_id, student_number__in=keys[start : start + BATCH]).values_list(
                        "student_number", "pk"
                    )
                )
            created = []
            for number, values in numbers.items():
                fields = dict(zip(self.NEW_FIELDS, values, strict=True))
                created.append(
                    (
                        ids[number],
                        fields["name"],
                        {k: (None, v) for k, v in fields.items() if v not in ("", None) and k != "institution_id"},
                    )
                )
            self.log_changes(Student, created, created=True)
        write_messenger_ids(Student, "student_number", institution_id, rows)
        if leaving:
            people = Student.objects.in_bulk([pk for pk, _day in leaving])
            apply_leaving(self, [(people[pk], day) for pk, day in leaving])
        return len(new), len(changed), unchanged
