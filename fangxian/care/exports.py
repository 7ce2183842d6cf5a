"""xlsx exports of care, in the user's scope, watermarked with who exported them and when,
and recorded like every export (fangxian.audit: SecurityEvent EXPORT, with the students
whose rows it held).

- `export_canteen_week`: the logistics office's week of canteens: the daily reports (not
  reported and overdue ones named), the ratings per canteen and day, and the complaints
  with their replies. A student's name only for the logistics office (who answers them);
  others get it masked.
- `export_care_plans`: the care plans and their follow-ups. The content of a psychological
  follow-up (心理疏导) only for those who may read it (the psychological centre, the
  student's one-to-one staff: care.access.may_read_confidential); everyone else reads
  that it happened, never what was said, nor whether the student needs further attention.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangxian.accounts.roles import Role, roles_of
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.xlsx import Sheet, watermark_for, write_workbook
from fangxian.org.access import holds
from fangxian.org.models import Assignment, AssignmentRole

from . import access, selectors
from .models import CareKind, FollowUp, Meal, MealRating

CONFIDENTIAL = "（保密）"  # what others read in place of a psychological record's content
WEEK = 7


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def mask_name(name: str) -> str:
    """A student's name for those who need not know who it was: the family name only (张**)."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


def export_canteen_week(*, user, day: date, request=None) -> tuple[bytes, int]:
    """The week ending on `day` for the canteens the user sees: three sheets."""
    days = [day - timedelta(days=n) for n in range(WEEK)]
    rows = selectors.canteen_days(user, days)
    show_names = access.is_logistics(user)
    yes, no = _("Yes"), _("No")
    reports = []
    for row in rows:
        report = row.report
        if report is None:
            state = pgettext("canteen report", "overdue") if row.overdue else _("not reported")
            reports.append([row.day, row.canteen.name, state, "", "", "", "", "", "", ""])
            continue
        reports.append(
            [
                row.day,
                row.canteen.name,
                pgettext("canteen report", "reported"),
                report.windows_open,
                report.meals_served,
                yes if report.samples_kept else no,
                report.staff_checked,
                report.staff_unwell,
                report.note,
                _when(report.reported_at),
            ]
        )
    ratings = [[row.day, row.canteen.name, row.ratings, row.average, row.complaints, row.unanswered] for row in rows]
    meal_label = dict(Meal.choices)
    complaints = list(
        selectors.complaints(user)
        .filter(day__in=days)
        .values_list("day", "canteen__name", "meal", "score", "comment", "student_id", "student__name", "reply", "replied_at")
    )
    complaint_rows = [
        [d, canteen, str(meal_label.get(meal, meal)), score, comment, name if show_names else mask_name(name), reply, _when(at)]
        for d, canteen, meal, score, comment, _sid, name, reply, at in complaints
    ]
    who = user.get_full_name() or user.get_username()
    notes = [_("Canteens from %(first)s to %(last)s. Exported by %(user)s.") % {"first": days[-1], "last": day, "user": who}]
    content = write_workbook(
        [
            Sheet(
                _("Canteen daily reports"),
                ["日期", "食堂", "上报情况", "开放窗口", "供餐份数", "留样48小时", "晨检人数", "身体不适人数", "备注", "上报时间"],
                reports,
                notes=notes,
            ),
            Sheet(str(MealRating._meta.verbose_name_plural), ["日期", "食堂", "评价数", "平均分", "差评及投诉", "未答复"], ratings),
            Sheet(_("Complaints"), ["日期", "食堂", "餐次", "评分", "意见", "学生", "答复", "答复时间"], complaint_rows),
        ],
        watermark=watermark_for(user),
    )
    record_event(
        SecurityEvent.Kind.EXPORT,
        request=request,
        user=user,
        export="care.canteens",
        filter={"day": day.isoformat(), "days": WEEK},
        rows=len(reports) + len(complaint_rows),
        masked_names=not show_names,
        students=sorted({row[5] for row in complaints}),
    )
    return content, len(reports) + len(complaint_rows)


def _confidential_reader(user):
    """Which students' psychological records the user may read (may_read_confidential for a
    whole export: one question about the role, one query for their one-to-one students)."""
    if not roles_of(user) & {Role.STAFF, Role.COUNSELOR}:
        return lambda student_id: False
    if holds(user, access.PSYCH_COUNSELLOR):
        return lambda student_id: True
    mine = set(
        Assignment.objects.active_on(timezone.localdate())
        .filter(role=AssignmentRole.ONE_TO_ONE, staff__user=user, staff__is_active=True, student__isnull=False)
        .values_list("student_id", flat=True)
    )
    return lambda student_id: student_id in mine


def export_care_plans(*, user, kind: str = "", request=None) -> tuple[bytes, int]:
    """The active care plans the user sees (of one kind, or all) and their follow-ups."""
    now = timezone.now()
    plans = list(
        selectors.plan_list(user, kind=kind)
        .select_related("student__klass", "owner")
        .annotate(follow_up_count=Count("follow_ups"))
        .order_by("student__klass__path", "student__student_number", "kind", "id")
    )
    kind_label = dict(CareKind.choices)
    mode_label = dict(FollowUp.Mode.choices)
    yes, no = _("Yes"), _("No")
    plan_rows = [
        [
            plan.student.student_number,
            plan.student.name,
            plan.student.klass.name,
            plan.group_name,
            str(kind_label[plan.kind]),
            plan.owner.name,
            plan.interval_days,
            plan.starts_on,
            _when(plan.last_follow_up_at),
            _when(plan.next_due_at),
            yes if plan.next_due_at < now else no,
            plan.follow_up_count,
            plan.note,
        ]
        for plan in plans
    ]
    may_read = _confidential_reader(user)
    follow_ups = (
        selectors.visible_follow_ups(user)
        .filter(plan__in=[plan.pk for plan in plans])
        .select_related("student", "staff")
        .order_by("student__student_number", "-at", "-id")
    )
    revealed: list[int] = []
    follow_up_rows = []
    for f in follow_ups:
        hidden = f.is_confidential and not may_read(f.student_id)
        if f.is_confidential and not hidden:
            revealed.append(f.pk)
        follow_up_rows.append(
            [
                f.student.student_number,
                f.student.name,
                str(kind_label[f.kind]),
                _when(f.at),
                str(mode_label.get(f.mode, f.mode)),
                f.staff.name if f.staff else "",
                CONFIDENTIAL if hidden else f.content,
                "" if hidden else (yes if f.needs_attention else no),
            ]
        )
    who = user.get_full_name() or user.get_username()
    notes = [_("Care plans in force on %(day)s. Exported by %(user)s.") % {"day": timezone.localdate(now), "user": who}]
    if any(row[6] == CONFIDENTIAL for row in follow_up_rows):
        notes.append(
            _("The content of psychological follow-ups is confidential: only the psychological centre and the one-to-one staff read it.")
        )
    content = write_workbook(
        [
            Sheet(
                _("Care plans"),
                [
                    "学号",
                    "姓名",
                    "班级",
                    "特殊群体",
                    "关爱类型",
                    "责任人",
                    "跟进周期（天）",
                    "开始日期",
                    "上次跟进",
                    "下次跟进",
                    "已逾期",
                    "跟进次数",
                    "备注",
                ],
                plan_rows,
                notes=notes,
            ),
            Sheet(_("Follow-ups"), ["学号", "姓名", "关爱类型", "时间", "方式", "跟进人", "跟进内容", "需进一步关注"], follow_up_rows),
        ],
        watermark=watermark_for(user),
    )
    record_event(
        SecurityEvent.Kind.EXPORT,
        request=request,
        user=user,
        export="care.plans",
        filter={"kind": kind},
        rows=len(plan_rows) + len(follow_up_rows),
        confidential_follow_ups=revealed,  # psychological records whose content left in the file
        students=sorted({plan.student_id for plan in plans}),
    )
    return content, len(plan_rows) + len(follow_up_rows)
