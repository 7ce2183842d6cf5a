"""Import of stay lists (留校名单): a college registers its staying students in bulk.

The rows are checked in bulk (a few queries for the whole file, not per row), then
written with bulk inserts in one transaction; any bad row means nothing is written.
Imported stays are registered by the college, so they enter the ledger as 已批准.

Each import is a batch (core.ImportBatch) that can be undone while nothing has happened to
its stays since: the stays, their ledger entries, status and bed spells and the categories
it added are removed, the contacts it changed on stays already registered are restored.
A stay whose status, bed or details changed since (its version moved on), or that other
records point to (a move plan, a later status), blocks the undo, named.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.importing import BOOLEAN, DATE, ID_NUMBER, IDENTIFIER, NAME, PHONE, Column, Importer, Row, RowError
from fangxian.core.sealed import seal_rows
from fangxian.org.models import Gender, Place, Student
from fangxian.org.scope import scope_of

from .models import FOREVER, LIVE_STATUSES, BedSpell, Category, LedgerEntry, StatusSpell, StayApplication, StayPeriod, StudentTag
from .models import Status as S

CHUNK = 2000
_SPLIT = re.compile(r"[、,，;；\s]+")
_BED_SPLIT = re.compile(r"\s*[-/／—–·\s]\s*")


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


MASKED_PHONE_HELP = "本期已登记留校的学生，导出文件中脱敏的号码（如 139****0000）可原样导回，表示不改；新登记的须填写完整号码。"


class StayImporter(Importer):
    name = "ledger_stays"
    title = gettext_lazy("Stay list")
    undoable = True
    # The masked ledger export comes back: a masked ID number stands for the student's, a
    # masked contact phone for the one on the stay already registered in this period.
    masked_cells = True
    key = ("student_number",)
    columns = [
        Column("student_number", "学号", kind=IDENTIFIER, required=True, max_length=32, example="2021000001"),
        Column("name", "姓名", kind=NAME, required=True, max_length=50, example="张三"),
        Column("id_number", "身份证号", kind=ID_NUMBER, help="可不填；填写时须与学籍一致（导出文件中脱敏的号码可原样保留）"),
        Column("start_date", "留校开始日期", kind=DATE, required=True, aliases=("开始日期", "留校起"), example="2022-07-10"),
        Column("end_date", "留校结束日期", kind=DATE, required=True, aliases=("结束日期", "留校止"), example="2022-08-31"),
        Column("reason", "留校事由", required=True, max_length=50, aliases=("事由",), example="考研"),
        Column("reason_note", "具体说明", max_length=200),
        Column(
            "bed",
            "床位",
            max_length=100,
            help="楼栋-房间-床位，如 1号公寓-101-1号床（楼名在各校区重复时前加校区：校本部-1号公寓-101-1号床）；不填则用学生本人床位",
            example="1号公寓-101-1号床",
        ),
        Column("emergency_contact", "紧急联系人", kind=NAME, required=True, max_length=50, example="张父"),
        Column("emergency_phone", "紧急联系电话", kind=PHONE, required=True, example="13900000000", help=MASKED_PHONE_HELP),
        Column("parent_name", "家长姓名", kind=NAME, required=True, max_length=50, example="张父"),
        Column("parent_phone", "家长电话", kind=PHONE, required=True, example="13900000000", help=MASKED_PHONE_HELP),
        Column("categories", "分类", max_length=200, help="多个分类用顿号分隔，如 封闭管理、经济困难"),
        Column("pledge", "已签安全承诺", kind=BOOLEAN, required=True, aliases=("安全承诺",), example="是"),
    ]
    template_notes = [gettext_lazy("One row per staying student. Dates like 2022-07-10; the stay must lie within the period.")]

    def __init__(self, *, user=None, period: StayPeriod):
        super().__init__(user=user)
        self.period = period
        # The notes are lazy (translated per request); the workbook writer needs text.
        self.template_notes = [str(note) for note in type(self).template_notes]

    def year_of(self, month: int, day: int) -> int:
        """The year of a date written without one (12月10日): the year in which that day
        falls within the stay period (a winter period runs from December into January)."""
        start, end = self.period.start_date, self.period.end_date
        for year in range(start.year, end.year + 1):
            try:
                if start <= date(year, month, day) <= end:
                    return year
            except ValueError:
                continue
        return start.year

    # -- checks --------------------------------------------------------------------------
    def validate(self, rows: list[Row]) -> list[RowError]:
        errors: list[RowError] = []
        period = self.period
        numbers = [row["student_number"] for row in rows]
        students: dict[str, _Student] = {}
        for chunk in _chunks(numbers):
            found = Student.objects.filter(institution_id=period.institution_id, student_number__in=chunk).values_list(
                "pk", "student_number", "name", "id_number", "gender", "bed_id", "klass_id", "klass__path"
            )
            for values in found:
                students[values[1]] = _Student(*values)
        visible: set[int] = set()
        scope = scope_of(self.user)
        ids = [s.pk for s in students.values()]
        for chunk in _chunks(ids):
            visible.update(scope.students(Student.objects.filter(pk__in=chunk)).values_list("pk", flat=True))
        reasons = {r.name: r for r in period.reasons.filter(is_active=True)}
        categories = {c.name: c for c in Category.objects.filter(institution_id=period.institution_id, is_active=True)}
        beds = _BedIndex(period.institution_id)
        existing: dict[int, list[StayApplication]] = defaultdict(list)
        for chunk in _chunks(ids):
            for app in (
                StayApplication.objects.filter(student_id__in=chunk)
                .exclude(stage=StayApplication.Stage.WITHDRAWN)
                .select_related("period", "reason", "bed", "entry")
            ):
                existing[app.student_id].append(app)
        chosen: dict[int, Row] = {}
        for row in rows:
            student = students.get(row["student_number"])
            if student is None:
                errors.append(self.error(row, "student_number", _("No student has this student number.")))
                continue
            if student.pk not in visible:
                errors.append(
                    self.error(
                        row,
                        "student_number",
                        _("This student is not in your college or classes; only their own college may register them."),
                    )
                )
                continue
            if row["name"] != student.name:
                errors.append(
                    self.error(
                        row, "name", _("The name does not match the student number (the records say %(name)s).") % {"name": student.name}
                    )
                )
            problem = self.keep_masked(row, "id_number", student.id_number or "")
            if problem:
                errors.append(problem)
            elif row["id_number"] and row["id_number"] != student.id_number:
                errors.append(self.error(row, "id_number", _("The ID number does not match the student's records.")))
            start, end = row["start_date"], row["end_date"]
            dates_ok = True
            if end < start:
                errors.append(self.error(row, "end_date", _("The last day of the stay is before its first day.")))
                dates_ok = False
            elif start < period.start_date or end > period.end_date:
                errors.append(
                    self.error(
                        row,
                        "start_date",
                        _("The stay must lie within the period (%(start)s – %(end)s).")
                        % {"start": period.start_date, "end": period.end_date},
                    )
                )
                dates_ok = False
            reason = reasons.get(row["reason"])
            if reason is None:
                errors.append(
                    self.error(
                        row,
                        "reason",
                        _("“%(value)s” is not one of: %(allowed)s.") % {"value": row["reason"], "allowed": "、".join(reasons)},
                    )
                )
            if not row["pledge"]:
                errors.append(self.error(row, "pledge", _("The student must have signed the safety pledge (write 是).")))
            tags = []
            for name in (n for n in _SPLIT.split(row["categories"] or "") if n):
                if name not in categories:
                    errors.append(
                        self.error(
                            row,
                            "categories",
                            _("“%(value)s” is not one of: %(allowed)s.") % {"value": name, "allowed": "、".join(categories)},
                        )
                    )
                else:
                    tags.append(categories[name])
            unchanged = None
            for app in existing.get(student.pk, []):
                if app.period_id == period.pk:
                    unchanged = app
                elif dates_ok and app.start_date <= end and app.end_date >= start:
                    errors.append(
                        self.error(
                            row,
                            "start_date",
                            _("The stay overlaps another stay (%(period)s, %(start)s – %(end)s).")
                            % {"period": app.period.name, "start": app.start_date, "end": app.end_date},
                        )
                    )
            for key in ("emergency_phone", "parent_phone"):
                problem = self.keep_masked(
                    row,
                    key,
                    getattr(unchanged, key) if unchanged is not None else None,
                    unknown=_(
                        "A masked number can only be used for a stay already registered in this period, "
                        "and must match the number there; write the full number."
                    ),
                )
                if problem:
                    errors.append(problem)
            bed = beds.find(row["bed"], own_bed_id=student.bed_id) if row["bed"] else beds.by_id.get(student.bed_id)
            if bed == "ambiguous":
                errors.append(
                    self.error(
                        row,
                        "bed",
                        _("Several campuses have a bed “%(value)s”; write the campus first, e.g. 校本部-1号公寓-101-1号床.")
                        % {"value": row["bed"]},
                    )
                )
                bed = None
            elif row["bed"] and bed is None:
                errors.append(
                    self.error(
                        row, "bed", _("No bed “%(value)s”; write building-room-bed, e.g. 1号公寓-101-1号床.") % {"value": row["bed"]}
                    )
                )
            elif bed is None:
                errors.append(self.error(row, "bed", _("The student has no bed in the records; write one.")))
            else:
                if bed.gender and bed.gender != student.gender:
                    errors.append(
                        self.error(
                            row, "bed", _("%(bed)s is in a %(gender)s dormitory.") % {"bed": bed.label, "gender": Gender(bed.gender).label}
                        )
                    )
                elif bed.pk in chosen:
                    errors.append(self.error(row, "bed", _("Row %(row)s has the same bed.") % {"row": chosen[bed.pk].number}))
                else:
                    chosen[bed.pk] = row
            cancelled = getattr(unchanged, "entry", None) is not None and unchanged.entry.status == S.CANCELLED
            if cancelled:
                errors.append(
                    self.error(
                        row,
                        "student_number",
                        _("%(name)s's stay in this period was cancelled on the ledger (%(day)s); an import does not register it again.")
                        % {"name": student.name, "day": unchanged.entry.status_since},
                    )
                )
            elif unchanged is not None and dates_ok and reason is not None:
                # What the import cannot change on a registered stay (its dates, reason and
                # bed go through the ledger's own changes): each difference is reported.
                differs = []
                if unchanged.start_date != start:
                    differs.append(("start_date", unchanged.start_date, start))
                if unchanged.end_date != end:
                    differs.append(("end_date", unchanged.end_date, end))
                if unchanged.reason.name != row["reason"]:
                    differs.append(("reason", unchanged.reason.name, row["reason"]))
                if bed is not None and not isinstance(bed, str) and unchanged.bed_id != bed.pk:
                    differs.append(("bed", beds.by_id[unchanged.bed_id].label if unchanged.bed_id in beds.by_id else "—", bed.label))
                for key, before, after in differs:
                    errors.append(
                        self.error(
                            row,
                            key,
                            _(
                                "%(name)s already has a stay in this period with %(old)s here (the file has %(new)s); "
                                "change it in the ledger."
                            )
                            % {"name": student.name, "old": before, "new": after},
                        )
                    )
            row.values.update(student=student, reason_obj=reason, bed_obj=bed, tag_objs=tags, existing=unchanged)
        errors += self._beds_taken(rows, chosen)
        return errors

    def _beds_taken(self, rows: list[Row], chosen: dict[int, Row]) -> list[RowError]:
        """Beds held by another student (as their own bed, or by another live stay)."""
        errors = []
        bed_ids = list(chosen)
        owners: dict[int, int] = {}
        for chunk in _chunks(bed_ids):
            owners.update(Student.objects.filter(bed_id__in=chunk).values_list("bed_id", "pk"))
        stays: dict[int, list[tuple]] = defaultdict(list)
        for chunk in _chunks(bed_ids):
            for bed_id, student_id, start, end in LedgerEntry.objects.filter(bed_id__in=chunk, status__in=LIVE_STATUSES).values_list(
                "bed_id", "student_id", "application__start_date", "application__end_date"
            ):
                stays[bed_id].append((student_id, start, end))
        for bed_id, row in chosen.items():
            student = row.get("student")
            if student is None:
                continue
            owner = owners.get(bed_id)
            if owner is not None and owner != student.pk:
                errors.append(self.error(row, "bed", _("This bed belongs to another student.")))
                continue
            for other, start, end in stays.get(bed_id, []):
                if other != student.pk and start <= row["end_date"] and end >= row["start_date"]:
                    errors.append(self.error(row, "bed", _("This bed is taken by another staying student in that period.")))
                    break
        return errors

    # -- writing -------------------------------------------------------------------------
    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        """Plain multi-row INSERTs: the ORM's bulk_create spends most of a 30,000-row import
        preparing field values one by one. Ids come back through the natural keys
        (period, student) that the unique constraints guarantee."""
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        today = timezone.localdate()
        day = ops.adapt_datefield_value(today)
        forever = ops.adapt_datefield_value(FOREVER)
        period = self.period
        user_id = self.user.pk if self.user else None
        new_rows = [row for row in rows if row.get("existing") is None]
        dates: dict = {}

        def d(value):
            if value not in dates:
                dates[value] = ops.adapt_datefield_value(value)
            return dates[value]

        _insert(
            StayApplication,
            ["period", "student", "start_date", "end_date", "reason", "reason_note", "bed", "emergency_contact", "emergency_phone"]
            + ["parent_name", "parent_phone", "pledge_agreed_at", "stage", "source", "counselor_comment", "college_comment"]
            + ["college_by", "college_at", "created_by", "created_at", "version"],
            [
                (
                    period.pk,
                    row["student"].pk,
                    d(row["start_date"]),
                    d(row["end_date"]),
                    row["reason_obj"].pk,
                    row["reason_note"],
                    row["bed_obj"].pk,
                    row["emergency_contact"],
                    row["emergency_phone"],
                    row["parent_name"],
                    row["parent_phone"],
                    now,
                    StayApplication.Stage.CONFIRMED.value,
                    StayApplication.Source.IMPORT.value,
                    "",
                    "",
                    user_id,
                    now,
                    user_id,
                    now,
                    1,
                )
                for row in new_rows
            ],
        )
        student_ids = [row["student"].pk for row in new_rows]
        app_ids = _ids_by_student(StayApplication, period, student_ids)
        entries = []
        for row in new_rows:
            student, bed = row["student"], row["bed_obj"]
            entries.append((app_ids[student.pk], student.pk, student.college_id, student.klass_id, bed.campus_id, bed.building_id, bed.pk))
        _insert(
            LedgerEntry,
            ["application", "period", "student", "status", "status_since", "version", "college", "klass", "campus", "building", "bed"]
            + ["updated_at", "updated_by"],
            [
                (app, period.pk, sid, S.APPROVED.value, day, 1, college, klass, campus, building, bed, now, user_id)
                for app, sid, college, klass, campus, building, bed in entries
            ],
        )
        entry_ids = _ids_by_student(LedgerEntry, period, student_ids)
        note = str(_("Registered by import"))
        _insert(
            StatusSpell,
            ["entry", "student", "period", "status", "valid_from", "valid_to", "college", "klass", "campus", "building", "bed", "note"]
            + ["changed_by", "changed_at"],
            [
                (entry_ids[sid], sid, period.pk, S.APPROVED.value, day, forever, college, klass, campus, building, bed, note, user_id, now)
                for _app, sid, college, klass, campus, building, bed in entries
            ],
        )
        _insert(
            BedSpell,
            ["entry", "student", "bed", "valid_from", "valid_to", "changed_by"],
            [(entry_ids[sid], sid, bed, day, forever, user_id) for _app, sid, _c, _k, _ca, _b, bed in entries],
        )
        # What undoing this batch removes, newest last; a stay or entry changed since (its
        # version moved on) blocks the undo.
        self.remember_created(StayApplication, sorted(app_ids.values()), holds={"version": 1})
        self.remember_created(LedgerEntry, sorted(entry_ids.values()), holds={"version": 1})
        for model in (StatusSpell, BedSpell):
            pks: list[int] = []
            for chunk in _chunks(sorted(entry_ids.values())):
                pks += model.objects.filter(entry_id__in=chunk).values_list("pk", flat=True)
            self.remember_created(model, sorted(pks))
        updated = self._update_existing([row for row in rows if row.get("existing") is not None])
        wanted = [(row["student"].pk, tag.pk) for row in rows for tag in row["tag_objs"]]
        if wanted:
            present: set[tuple[int, int]] = set()
            for chunk in _chunks([sid for sid, _c in wanted]):
                present.update(StudentTag.objects.on(today).filter(student_id__in=chunk).values_list("student_id", "category_id"))
            tags = [
                StudentTag(student_id=sid, category_id=cid, valid_from=today, set_by=self.user, note=note)
                for sid, cid in dict.fromkeys(wanted)
                if (sid, cid) not in present
            ]
            StudentTag.objects.bulk_create(tags, batch_size=1000)
            # bulk_create returns the ids on PostgreSQL and SQLite ≥ 3.35, the databases we run on.
            self.remember_created(StudentTag, sorted(tag.pk for tag in tags), holds={"valid_to": FOREVER})
            existing_students = {row["student"].pk for row in rows if row.get("existing") is not None}
            updated |= {tag.student_id for tag in tags if tag.student_id in existing_students}
        if entry_ids:
            # One-to-one staff go through the organisation's services, one per student
            # without one: a job after the commit, so the import is not held up by them.
            from .tasks import one_to_one_fill_task

            ids = sorted(entry_ids.values())
            one_to_one_fill_task.after_commit(ids, user_id)
        return len(new_rows), len(updated), len(rows) - len(new_rows) - len(updated)

    # Fields of a registered stay a re-imported list may change (its contacts and note).
    UPDATABLE = ("reason_note", "emergency_contact", "emergency_phone", "parent_name", "parent_phone")

    def _update_existing(self, rows: list[Row]) -> set[int]:
        """Apply the contacts and note of rows whose stay is registered already, for the
        columns the file has (blank cells leave a field as it is); the students changed."""
        changed, logs, students = [], [], set()
        for row in rows:
            app = row["existing"]
            differing = {
                name: (getattr(app, name), row[name])
                for name in self.UPDATABLE
                if name in self.present and row[name] not in ("", None) and getattr(app, name) != row[name]
            }
            if differing:
                for name, (_old, new) in differing.items():
                    setattr(app, name, new)
                changed.append(app)
                logs.append((app.pk, str(row["student"].name), differing))
                students.add(row["student"].pk)
        if changed:
            StayApplication.objects.bulk_update(changed, list(self.UPDATABLE), batch_size=CHUNK)
            self.log_changes(StayApplication, logs)
        return students


def _insert(model, fields: list[str], rows: list[tuple]) -> None:
    """INSERT rows (already adapted to the database, sealed fields still plain: they are
    sealed here) with one executemany: the driver's own loop, no per-row SQL to build."""
    if not rows:
        return
    rows = seal_rows(model, fields, rows)
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in fields)
    table = connection.ops.quote_name(meta.db_table)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608


def _ids_by_student(model, period, student_ids: list[int]) -> dict[int, int]:
    ids: dict[int, int] = {}
    for chunk in _chunks(student_ids):
        ids.update(model.objects.filter(period=period, student_id__in=chunk).values_list("student_id", "pk"))
    return ids


class _Student:
    """What the checks and the insert need of a student, read without model instances."""

    __slots__ = ("pk", "student_number", "name", "id_number", "gender", "bed_id", "klass_id", "college_id")

    def __init__(self, pk, student_number, name, id_number, gender, bed_id, klass_id, klass_path):
        self.pk, self.student_number, self.name, self.id_number = pk, student_number, name, id_number
        self.gender, self.bed_id, self.klass_id = gender, bed_id, klass_id
        self.college_id = int(klass_path.strip("/").split("/")[1])


class _Bed:
    __slots__ = ("pk", "label", "gender", "campus_id", "building_id")

    def __init__(self, pk, label, gender, campus_id, building_id):
        self.pk, self.label, self.gender, self.campus_id, self.building_id = pk, label, gender, campus_id, building_id


class _BedIndex:
    """Every bed of the institution by "building-room-bed" (or "campus-building-room-bed"
    where building names repeat across campuses), read in four queries."""

    def __init__(self, institution_id: int):
        places = Place.objects.filter(institution_id=institution_id, archived_at__isnull=True)
        campuses = dict(places.filter(kind=Place.Kind.CAMPUS).values_list("pk", "name"))
        buildings = {
            pk: (name, gender, parent)
            for pk, name, gender, parent in places.filter(kind=Place.Kind.BUILDING).values_list("pk", "name", "gender", "parent_id")
        }
        rooms = {
            pk: (name, gender, parent)
            for pk, name, gender, parent in places.filter(kind=Place.Kind.ROOM).values_list("pk", "name", "gender", "parent_id")
        }
        self.by_id: dict[int, _Bed] = {}
        self.by_label: dict[tuple[str, ...], list[_Bed]] = {}
        for pk, name, room_id in places.filter(kind=Place.Kind.BED).values_list("pk", "name", "parent_id"):
            room_name, room_gender, building_id = rooms[room_id]
            building_name, building_gender, campus_id = buildings[building_id]
            bed = _Bed(pk, f"{building_name}-{room_name}-{name}", room_gender or building_gender, campus_id, building_id)
            self.by_id[pk] = bed
            self.by_label.setdefault((building_name, room_name, name), []).append(bed)
            self.by_label.setdefault((campuses.get(campus_id, ""), building_name, room_name, name), []).append(bed)

    def find(self, text: str, *, own_bed_id: int | None = None) -> _Bed | None | str:
        """The bed, None when there is none, "ambiguous" when the label names several."""
        parts = [p for p in _BED_SPLIT.split(text) if p]
        if len(parts) not in (3, 4):
            return None
        found = self.by_label.get(tuple(parts))
        if not found and not parts[-1].endswith("床"):
            found = self.by_label.get((*parts[:-1], f"{parts[-1]}号床"))
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        own = [bed for bed in found if bed.pk == own_bed_id]
        return own[0] if own else "ambiguous"
