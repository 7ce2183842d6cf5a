"""xlsx export of the ledger for the user's scope. ID numbers and phones are masked for
every role; with an approved unmasked-export grant (fangxian.core.exports) the roles that
may reveal them get them in full, once. Every file carries the exporter's watermark and is
recorded with its filter, its grant and its rows."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fangxian.accounts.roles import roles_of
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.exports import ExportKind, ExportMode, register_export
from fangxian.core.idnumber import mask, mask_phone
from fangxian.core.xlsx import Sheet, write_workbook
from fangxian.org.models import Assignment, AssignmentRole, Place

from .access import ID_NUMBER_ROLES, PHONE_ROLES
from .models import Status as S
from .models import StatusSpell, StudentTag
from .selectors import LedgerFilter

EXPORT = "ledger"
# The list's filters (fangxian.ledger.views.lists._filter_from): an unmasked grant is for these values.
FILTER_PARAMS = ("day", "period", "campus", "building", "college", "klass", "status", "tag", "q")


def register() -> None:
    """The ledger export, for the unmasked-export request: who may ask for it (those who may
    reveal a phone; the ID numbers only the office gets even then) and its rows."""

    def count(user, params: dict, args: tuple) -> int:
        from django.http import QueryDict

        from . import selectors
        from .views.lists import _filter_from

        class Query:
            GET = QueryDict(mutable=True)
            POST = QueryDict()

        Query.GET.update(params)
        return selectors.ledger_spells(user, _filter_from(Query)).count()

    register_export(ExportKind(EXPORT, _("Stay ledger"), "ledger:export", params=FILTER_PARAMS, count=count, roles=PHONE_ROLES))


def export_ledger(*, user, spells: QuerySet[StatusSpell], f: LedgerFilter, mode: ExportMode, request=None) -> tuple[bytes, int]:
    # Masked for everyone; an approved grant unmasks what the role may reveal: ID numbers
    # only the office, phones also the people who must call the student or the family.
    roles = roles_of(user) if mode.unmasked else set()
    show_id = bool(roles & ID_NUMBER_ROLES)
    show_phone = bool(roles & PHONE_ROLES)
    day = f.day
    rows_qs = spells.order_by("college_id", "klass_id", "student__student_number").values_list(
        "student_id",
        "student__student_number",
        "student__name",
        "student__gender",
        "student__id_number",
        "student__phone",
        "college__name",
        "klass__name",
        "bed_id",
        "status",
        "valid_from",
        "entry__application__start_date",
        "entry__application__end_date",
        "entry__application__reason__name",
        "entry__application__emergency_contact",
        "entry__application__emergency_phone",
        "entry__application__parent_name",
        "entry__application__parent_phone",
        "entry__application__reason_note",
        "entry__application__pledge_agreed_at",
    )
    rows = list(rows_qs)
    student_ids = [r[0] for r in rows]
    tags: dict[int, list[str]] = {}
    staff: dict[int, str] = {}
    for start in range(0, len(student_ids), 5000):
        chunk = student_ids[start : start + 5000]
        for sid, name in StudentTag.objects.on(day).filter(student_id__in=chunk).values_list("student_id", "category__name"):
            tags.setdefault(sid, []).append(name)
        staff.update(
            Assignment.objects.active_on(day)
            .filter(role=AssignmentRole.ONE_TO_ONE, student_id__in=chunk)
            .values_list("student_id", "staff__name")
        )
    labels = _bed_labels({r[8] for r in rows})
    gender = {"M": _("Male"), "F": _("Female")}
    status_label = {value: str(label) for value, label in S.choices}
    data = [
        [
            r[1],
            r[2],
            gender.get(r[3], ""),
            (r[4] if show_id else mask(r[4])) if r[4] else "",
            (r[5] if show_phone else mask_phone(r[5])) if r[5] else "",
            r[6],
            r[7],
            labels.get(r[8], ""),
            status_label[r[9]],
            r[10],
            r[11],
            r[12],
            r[13],
            "、".join(tags.get(r[0], [])),
            staff.get(r[0], ""),
            r[14],
            (r[15] if show_phone else mask_phone(r[15])) if r[15] else "",
            r[16],
            (r[17] if show_phone else mask_phone(r[17])) if r[17] else "",
            r[18],
            "是" if r[19] else "否",
        ]
        for r in rows
    ]
    headers = [
        "学号",
        "姓名",
        "性别",
        "身份证号",
        "手机号",
        "学院",
        "班级",
        "床位",
        "状态",
        "状态起始日",
        "留校开始日期",
        "留校结束日期",
        "留校事由",
        "分类",
        "一对一责任人",
        "紧急联系人",
        "紧急联系电话",
        "家长姓名",
        "家长电话",
        # The stay list import's own columns, so that an office can export, correct and
        # import the list again (the other columns are reported as not imported).
        "具体说明",
        "已签安全承诺",
    ]
    notes = [_("Stay ledger on %(day)s. Exported by %(user)s.") % {"day": day, "user": user.get_full_name() or user.get_username()}]
    content = write_workbook([Sheet(_("Stay ledger"), headers, data, notes=notes)], watermark=mode.watermark)
    record_event(
        SecurityEvent.Kind.EXPORT,
        request=request,
        user=user,
        export=EXPORT,
        filter=f.as_dict(),
        rows=len(data),
        masked_id_numbers=not show_id,
        masked_phones=not show_phone,
        students=student_ids,  # the rows it held: the auditor finds the export by the student
        **mode.detail(),
    )
    return content, len(data)


def _bed_labels(bed_ids: set[int]) -> dict[int, str]:
    """ "1号公寓-101-1号床" for each bed, from three small lookups instead of a join per row."""
    ids = list(bed_ids)
    beds: dict[int, tuple[str, int]] = {}
    for start in range(0, len(ids), 5000):
        beds.update(
            {
                pk: (name, parent)
                for pk, name, parent in Place.objects.filter(pk__in=ids[start : start + 5000]).values_list("pk", "name", "parent_id")
            }
        )
    rooms = {
        pk: (name, parent)
        for pk, name, parent in Place.objects.filter(pk__in={p for _n, p in beds.values()}).values_list("pk", "name", "parent_id")
    }
    buildings = dict(Place.objects.filter(pk__in={p for _n, p in rooms.values()}).values_list("pk", "name"))
    labels = {}
    for pk, (name, room_id) in beds.items():
        room_name, building_id = rooms.get(room_id, ("", None))
        labels[pk] = f"{buildings.get(building_id, '')}-{room_name}-{name}"
    return labels
