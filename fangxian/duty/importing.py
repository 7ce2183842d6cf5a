"""Import a roster from the 值班表 offices already keep: one row per day (and shift), with
the leader on duty, the staff on duty and their phones. All or nothing: the days in the file
are planned again from it, and any row naming an unknown person, someone outside the unit, or
a shift that overlaps the person's other duty refuses the whole file."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.importing import DATE, Column, ImportAborted, Importer, Row, RowError, normalize_phone

from .models import Roster
from .roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY
from .services import rosters
from .services.people import People, split_names

SLOT_NAMES = {"白班": 0, "日班": 0, "昼": 0, "夜班": 1, "晚班": 1, "夜": 1, "全天": 0, "24小时": 0, "": 0}


class RosterImporter(Importer):
    name = "duty_roster"
    title = gettext_lazy("Duty roster")
    columns = [
        Column("day", "日期", DATE, required=True, example="2026-12-01"),
        Column("weekday", "星期", example="星期二", help="可不填"),
        Column("slot", "班次", example="白班", help="白班 / 夜班 / 全天；24 小时一班的值班表可不填"),
        Column("leader", "带班领导", required=True, max_length=200, example="王明"),
        Column("staff", "值班人员", required=True, max_length=500, example="李娜、赵磊"),
        Column("phones", "联系电话", max_length=500, aliases=("电话", "手机"), example="13800001111、13800002222、13800003333"),
    ]
    key = ("day", "slot")
    template_notes = ["每行一天一个班次；人员写姓名或“姓名（工号）”，多人用顿号分隔；联系电话按带班领导、值班人员的顺序填写。"]

    def __init__(self, *, user=None, roster: Roster):
        super().__init__(user=user)
        self.roster = roster

    def validate(self, rows: list[Row]) -> list[RowError]:
        errors: list[RowError] = []
        tokens = [t for row in rows for key in ("leader", "staff") for t in split_names(str(row.get(key) or ""))]
        people = People(self.roster.unit, tokens)
        planned: list[tuple[Row, rosters.PlannedPost]] = []
        full_day = self.roster.pattern == Roster.Pattern.FULL_DAY
        for row in rows:
            slot_text = str(row.get("slot") or "").strip()
            slot = SLOT_NAMES.get(slot_text)
            if slot is None or (full_day and slot != 0):
                errors.append(self.error(row, "slot", _("“%(value)s” is not a shift of this roster.") % {"value": slot_text}))
                continue
            phones = [normalize_phone(p) for p in split_names(str(row.get("phones") or ""))]
            found: list[tuple[str, object]] = []
            for key, role in (("leader", DUTY_LEADER_KEY), ("staff", DUTY_STAFF_KEY)):
                names = split_names(str(row.get(key) or ""))
                if key == "leader" and len(names) > 1:
                    errors.append(self.error(row, key, _("One leader on duty per shift.")))
                for token in names[:1] if key == "leader" else names:
                    staff, problem = people.find(token)
                    if staff is None:
                        errors.append(self.error(row, key, problem))
                    else:
                        found.append((role, staff))
            if phones and len(phones) != len(found):
                errors.append(self.error(row, "phones", _("Give one phone per person, in the order of the people, or none.")))
                phones = []
            day = row["day"]
            where = _("Row %(row)s") % {"row": row.number}
            seen = set()
            for index, (role, staff) in enumerate(found):
                if staff.pk in seen:
                    errors.append(self.error(row, "staff", _("%(who)s is named twice.") % {"who": rosters.person_label(staff)}))
                    continue
                seen.add(staff.pk)
                phone = phones[index] if phones else ""
                planned.append((row, rosters.PlannedPost(day, slot, staff, role, phone, where=where)))
        # The rows that read cleanly are checked against the rosters too, so that one run
        # lists every problem.
        bad = {error.row for error in errors}
        planned = [(row, p) for row, p in planned if row.number not in bad]
        by_post = {id(p): row for row, p in planned}
        for post, message in rosters.plan_problems(self.roster, [p for _row, p in planned], ignore_posts=self._old_ids(rows)):
            errors.append(self.error(by_post[id(post)], "leader" if post.role == DUTY_LEADER_KEY else "staff", message))
        self.planned = [p for _row, p in planned]
        return errors

    def _old_ids(self, rows: list[Row]) -> list[int]:
        from .models import Post

        return list(
            Post.objects.filter(shift__roster=self.roster, shift__day__in={row["day"] for row in rows}).values_list("pk", flat=True)
        )

    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        from django.core.exceptions import ValidationError

        try:
            count = rosters.post_set(roster=self.roster, rows=self.planned, by=self.user, days=[row["day"] for row in rows])
        except ValidationError as exc:
            raise ImportAborted([RowError(0, "", message) for message in exc.messages]) from exc
        return count, 0, 0
