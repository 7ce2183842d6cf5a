"""Staff, matched by staff number; the unit by name or path."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.importing import CHOICE, DATE, ID_NUMBER, IDENTIFIER, NAME, PHONE, Column, Importer, Row, RowError

from .. import selectors
from ..messenger_ids import COLUMNS as MESSENGER_COLUMNS
from ..messenger_ids import write_messenger_ids
from ..models import Staff, Unit
from .common import BATCH, GENDERS, _resolve, _unit_paths, default_institution
from .leaving import apply_leaving, check_leaving_date

TOP_UNIT_KINDS = (Unit.Kind.INSTITUTION, Unit.Kind.COLLEGE, Unit.Kind.DEPARTMENT, Unit.Kind.HOSPITAL)
# 在职状态 of the file format: anything but 在职 means the person is gone.
EMPLOYMENT = (("active", "在职"), ("left", "离职"), ("retired", "退休"))


class StaffImporter(Importer):
    """Staff, matched by staff number."""

    name = "staff"
    title = gettext_lazy("Staff")
    blanks_option = True
    undoable = True
    exportable = True
    masked_cells = True  # the masked export comes back: a masked number of known staff is "unchanged"
    description = gettext_lazy("Staff number, name, gender, unit, title, phone and whether they still work here.")
    key = ("staff_number",)
    columns = [
        Column("staff_number", "工号", kind=IDENTIFIER, required=True, max_length=32, example="HX00001"),
        Column("name", "姓名", kind=NAME, required=True, max_length=50, example="李四"),
        Column("gender", "性别", kind=CHOICE, required=True, choices=GENDERS, example="女"),
        Column(
            "unit",
            "单位",
            required=True,
            aliases=("部门", "所在单位"),
            example="医学院",
            help="单位名称，重名时写路径，如 医学院/临床医学。",
        ),
        Column("title", "职务", max_length=50, aliases=("职称", "岗位"), example="辅导员"),
        Column("phone", "手机号", kind=PHONE, aliases=("手机", "联系电话", "电话")),
        Column("id_number", "身份证号", kind=ID_NUMBER, aliases=("身份证号码",)),
        Column(
            "employment",
            "在职状态",
            kind=CHOICE,
            choices=EMPLOYMENT,
            aliases=("状态", "在职情况"),
            example="在职",
            help="在职、离职或退休。离职或退休的人员账号停用、登录会话和令牌失效、所负责任结束；空着表示不改（新人员为在职）。",
        ),
        Column(
            "left_on",
            "离职日期",
            kind=DATE,
            aliases=("离岗日期",),
            help="离职或退休人员自这一天起不在岗，所负责任截至前一天；空着表示今天。不能晚于今天。",
        ),
        *MESSENGER_COLUMNS,
    ]
    template_notes = [
        "按工号匹配：新工号新建，已有工号更新。文件里没有的列不改动；空着的单元格不改动（除非选择“空单元格清空该项”）。",
        "导出文件中脱敏的手机号、身份证号（如 138****5678、6201**********123X）可原样导回，表示不改；新人员须填写完整号码。",
    ]

    FIELDS = ("name", "gender", "unit_id", "title", "phone", "id_number", "is_active")

    def export_rows(self) -> list[list]:
        """The staff the user may see, in this import's columns (the unit as a path below
        the institution, which the import reads whatever names repeat)."""
        institution = default_institution()
        _names, by_path = _unit_paths(institution) if institution else ({}, {})
        paths = {pk: path for path, pk in by_path.items()}
        genders = dict(GENDERS)
        rows = (
            selectors.visible_staff(self.user)
            .order_by("staff_number")
            .values_list("staff_number", "name", "gender", "unit_id", "title", "phone", "id_number", "is_active")
        )
        return [
            [number, name, genders.get(gender, ""), paths.get(unit_id, ""), title, phone, id_number, "在职" if active else "离职"]
            for number, name, gender, unit_id, title, phone, id_number, active in rows.iterator(chunk_size=2000)
        ]

    def validate(self, rows: list[Row]) -> list[RowError]:
        institution = default_institution()
        if institution is None:
            return [RowError(0, "", _("Create the institution first: there is no institution to import into."))]
        by_name, by_path = _unit_paths(institution)
        # The institution's staff, read once here for `apply` too: a masked number in the
        # file stands for the stored one.
        existing = {
            number: (pk, *values)
            for number, pk, *values in Staff.objects.filter(institution=institution).values_list("staff_number", "pk", *self.FIELDS)
        }
        id_at, phone_at = 1 + self.FIELDS.index("id_number"), 1 + self.FIELDS.index("phone")
        errors = []
        for row in rows:
            old = existing.get(row["staff_number"])
            for key, at in (("id_number", id_at), ("phone", phone_at)):
                problem = self.keep_masked(row, key, old[at] if old is not None else None)
                if problem:
                    errors.append(problem)
            pk, problem = _resolve(row["unit"], by_name, by_path, institution.name, TOP_UNIT_KINDS)
            if pk is None:
                # Not a college or department: any unit of that name (a major, a class).
                pk, problem = _resolve(row["unit"], by_name, by_path, institution.name)
            if pk is None:
                errors.append(self.error(row, "unit", problem))
            row.values["_unit"] = pk
            employment = row.get("employment")
            row.values["_active"] = None if not employment else employment == "active"
            problem = check_leaving_date(self, row, gone=row.values["_active"] is False)
            if problem:
                errors.append(problem)
        self._institution = institution
        self._existing = existing
        return errors

    SOURCES = {
        "name": "name",
        "gender": "gender",
        "unit_id": "unit",
        "title": "title",
        "phone": "phone",
        "id_number": "id_number",
        "is_active": "employment",
    }

    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        institution = self._institution
        existing = self._existing
        given = [name for name in self.FIELDS if self.SOURCES[name] in self.present]
        new, changed, logs, unchanged = [], [], [], 0
        leaving: list[tuple[int, object]] = []  # (staff pk, leaving day) of those marked gone by this file
        for row in rows:
            cells = (row["name"], row["gender"], row["_unit"], row["title"], row["phone"], row["id_number"], row["_active"])
            values = dict(zip(self.FIELDS, cells, strict=True))
            old = existing.get(row["staff_number"])
            if old is None:
                values["is_active"] = values["is_active"] is not False  # new staff: 在职 unless the file says otherwise
                new.append(Staff(institution=institution, staff_number=row["staff_number"], **values))
                continue
            before = dict(zip(self.FIELDS, old[1:], strict=True))
            after = dict(before)
            for name in given:
                if values[name] in ("", None) and (not self.options.blanks_clear or name == "is_active"):
                    continue  # a blank cell leaves the field as it is unless asked (在职状态 never clears)
                after[name] = values[name]
            differing = {name: (before[name], after[name]) for name in self.FIELDS if before[name] != after[name]}
            if differing:
                changed.append(Staff(pk=old[0], **after))
                logs.append((old[0], after["name"], differing))
            else:
                unchanged += 1
            if before["is_active"] and after["is_active"] is False:
                leaving.append((old[0], row.get("left_on")))
        Staff.objects.bulk_update(changed, list(self.FIELDS), batch_size=BATCH)
        Staff.objects.bulk_create(new, batch_size=BATCH)
        self.log_changes(Staff, logs)
        self.log_changes(
            Staff,
            [
                (
                    staff.pk,
                    staff.name,
                    {
                        name: (None, getattr(staff, name))
                        for name in ("staff_number", *self.FIELDS)
                        if getattr(staff, name) not in ("", None)
                    },
                )
                for staff in new
            ],
            created=True,
        )
        write_messenger_ids(Staff, "staff_number", institution.pk, rows)
        if leaving:
            people = Staff.objects.in_bulk([pk for pk, _day in leaving])
            apply_leaving(self, [(people[pk], day) for pk, day in leaving])
        return len(new), len(changed), unchanged
