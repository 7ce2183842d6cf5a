"""Care in the demo university: care plans for the special groups of the staying students
(the demo counselor's among them) with a few weeks of follow-ups, some overdue; requests for
help, answered and open; three canteens with a week of daily reports and ratings; fever
clinic referrals. Logins: `psych` (心理中心), `canteen` (食堂 and the logistics office),
`hospital` (附属医院: its daily report and the fever clinic)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.apps import apps
from django.utils import timezone

from fangxian.core.demo import DEMO_PASSWORD

LOGINS = [
    ("psych", "心理中心 psychological centre: psychological care plans and their confidential records"),
    ("canteen", "食堂 canteen manager of 第一食堂 and the logistics office (后勤保障): daily reports, ratings, complaints"),
    ("hospital", "附属医院 the affiliated hospital: its daily report and fever clinic referrals"),
]
CANTEENS = [("campus-main", "第一食堂"), ("campus-main", "第二食堂"), ("campus-medical", "医学院校区食堂")]
KIND_OF_GROUP = {"psych": "psych", "poverty": "life", "health": "life", "disability": "life", "minority": "life", "intl": "academic"}
MAX_PLANS = 240
LIFE_NOTES = ["宿舍走访，生活用品充足", "电话询问饮食情况，一切正常", "帮助申请临时困难补助", "了解家庭情况，学生情绪稳定"]
STUDY_NOTES = ["讨论考研复习计划", "推荐线上课程资源", "与导师沟通实习安排"]
PSYCH_NOTES = ["面谈40分钟，学生表示睡眠改善", "学生因家庭原因情绪低落，约定下周再谈", "进行心理测评，结果正常范围"]
COMMENTS = ["菜品不错", "米饭有点硬", "希望增加清真窗口", "分量足", "菜太咸了", "排队时间长", "汤很好喝"]
HELP = [
    ("meal", "晚餐时间能否延长半小时？我实验做到七点"),
    ("repair", "宿舍卫生间水龙头漏水"),
    ("talk", "最近有点焦虑，想找老师聊聊"),
    ("illness", "有点发烧，37.6度，需要去医院吗"),
]


def _user(username: str, staff) -> None:
    from fangxian.accounts.models import User

    if staff is None or User.objects.filter(username=username).exists():
        return
    user = User(username=username, full_name=staff.name)
    user.set_password(DEMO_PASSWORD)
    user.save()
    type(staff).objects.filter(pk=staff.pk).update(user=user)


def load(*, size: int = 0, seed: int = 20220714, **_options) -> None:
    from fangxian.deadlines.services import ensure_deadlines
    from fangxian.ledger import selectors as ledger
    from fangxian.org.models import Assignment, AssignmentRole, Place, Staff, Student, Unit

    from . import access, services
    from .models import Canteen, CanteenReport, CarePlan, FeverReferral, FollowUp, MealRating

    rng = random.Random(seed + 68)
    now = timezone.now()
    today = timezone.localdate()
    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, parent__isnull=True).order_by("pk").first()
    if institution is None or CarePlan.objects.exists():
        return
    start = today - timedelta(days=30)
    departments = {u.code: u for u in Unit.objects.filter(kind=Unit.Kind.DEPARTMENT, parent=institution)}
    hospital = Unit.objects.filter(kind=Unit.Kind.HOSPITAL, parent=institution).order_by("pk").first()
    office_user = None

    # -- the people: the psychological centre, the canteen and logistics office, the hospital --
    def first_staff(unit, skip: int = 0):
        return (
            Staff.objects.filter(unit=unit, is_active=True, user__isnull=True).order_by("staff_number")[skip : skip + 1].first()
            if unit
            else None
        )

    affairs = departments.get("student-affairs")
    psych = first_staff(affairs, 2)
    if psych is not None:
        Assignment.objects.create(staff=psych, role=access.PSYCH_COUNSELLOR, unit=affairs, start_date=start, note="心理健康教育中心")
        _user("psych", psych)
    logistics = departments.get("logistics")
    canteen_staff = first_staff(logistics, 2)
    campuses = {p.code: p for p in Place.objects.filter(kind=Place.Kind.CAMPUS, institution=institution)}
    canteens = []
    for order, (campus_code, name) in enumerate(CANTEENS):
        campus = campuses.get(campus_code)
        if campus is None:
            continue
        building = Place.objects.filter(parent=campus, name=name).first()
        if building is None:
            building = Place(kind=Place.Kind.BUILDING, use=Place.Use.OTHER, name=name, parent=campus, institution=institution)
            building.save()
        canteens.append(Canteen.objects.create(institution=institution, place=building, campus=campus, name=name, sort_order=order))
    if canteen_staff is not None and logistics is not None:
        Assignment.objects.create(staff=canteen_staff, role=access.LOGISTICS, unit=logistics, start_date=start)
        if canteens:
            Assignment.objects.create(staff=canteen_staff, role=access.CANTEEN_MANAGER, place=canteens[0].place, start_date=start)
        _user("canteen", canteen_staff)
    if hospital is not None:
        # The hospital's prevention officer (院感科) fills its daily report and runs the fever clinic desk.
        officer = (
            Staff.objects.filter(assignments__role=AssignmentRole.COLLEGE_ADMIN, assignments__unit=hospital, user__isnull=True)
            .order_by("staff_number")
            .first()
        )
        if officer is not None:
            Assignment.objects.create(staff=officer, role=access.FEVER_CLINIC, unit=hospital, start_date=start)
            _user("hospital", officer)

    # -- care plans for the special groups of the staying students ---------------------------
    groups = ledger.categories_by_code()
    placed = {sid for sid, *_rest in ledger.on_campus_placements(today)}
    tagged = [(sid, code) for sid, code in ledger.category_codes_on(today) if code in KIND_OF_GROUP and sid in placed]
    owners = {
        a.student_id: a.staff
        for a in Assignment.objects.active_on(today)
        .filter(role=AssignmentRole.ONE_TO_ONE, student_id__in={sid for sid, _c in tagged})
        .select_related("staff")
        .order_by("start_date", "pk")
    }
    counselor = Staff.objects.filter(user__username="counselor").first()
    mine = set(
        Assignment.objects.active_on(today).filter(role=AssignmentRole.ONE_TO_ONE, staff=counselor).values_list("student_id", flat=True)
    )
    # The demo counselor's students first, so that their pages tell the story.
    tagged.sort(key=lambda t: (t[0] not in mine, t[0], t[1]))
    plans, seen = [], set()
    for sid, code in tagged:
        kind = KIND_OF_GROUP[code]
        if sid not in owners or (sid, kind) in seen:
            continue
        seen.add((sid, kind))
        interval = {"psych": 3, "life": 7, "academic": 14}[kind]
        begins = today - timedelta(days=rng.randint(8, 28))
        plans.append(
            CarePlan(
                student_id=sid,
                kind=kind,
                group_code=code,
                group_name=groups.get(code, ""),
                owner=owners[sid],
                interval_days=interval,
                starts_on=begins,
                next_due_at=timezone.make_aware(datetime.combine(begins + timedelta(days=interval), services.FOLLOW_UP_HOUR)),
                created_by=counselor.user if counselor and counselor.user_id else None,
                created_at=timezone.make_aware(datetime.combine(begins, time(9))),
            )
        )
        if len(plans) >= MAX_PLANS:
            break
    CarePlan.objects.bulk_create(plans)
    plans = list(CarePlan.objects.select_related("owner").order_by("pk"))
    psych_user_staff = Staff.objects.filter(user__username="psych").first()
    follow_ups, changed = [], []
    for plan in plans:
        moment = timezone.make_aware(datetime.combine(plan.starts_on, time(15)))
        # Most plans are kept; about one in six has fallen behind.
        behind = rng.random() < 0.17
        while True:
            step = plan.interval_days + (rng.randint(2, 6) if behind else -rng.randint(0, min(2, plan.interval_days - 1)))
            nxt = moment + timedelta(days=max(1, step), hours=rng.randint(-3, 3))
            if nxt > now - timedelta(hours=2):
                break
            moment = nxt
            by = psych_user_staff if plan.kind == "psych" and psych_user_staff and rng.random() < 0.5 else plan.owner
            notes = {"psych": PSYCH_NOTES, "life": LIFE_NOTES, "academic": STUDY_NOTES}[plan.kind]
            follow_ups.append(
                FollowUp(
                    plan=plan,
                    student_id=plan.student_id,
                    kind=plan.kind,
                    at=moment,
                    mode=rng.choice(["visit", "phone", "online"]),
                    content=rng.choice(notes),
                    needs_attention=plan.kind == "psych" and rng.random() < 0.2,
                    staff=by,
                    by=by.user if by and by.user_id else None,
                    created_at=moment,
                )
            )
            plan.last_follow_up_at = moment
            plan.next_due_at = timezone.make_aware(
                datetime.combine(timezone.localdate(moment) + timedelta(days=plan.interval_days), services.FOLLOW_UP_HOUR)
            )
        changed.append(plan)
    FollowUp.objects.bulk_create(follow_ups, batch_size=1000)
    CarePlan.objects.bulk_update(changed, ["last_follow_up_at", "next_due_at"], batch_size=500)
    ensure_deadlines(services.FOLLOW_UP_KIND, CarePlan, [(p.pk, "", p.next_due_at, {}) for p in changed])

    # -- help requests: the demo student's answered one, open ones for the demo counselor ------
    student = Student.objects.filter(user__username="student").first()
    asked = []
    if student is not None:
        asked.append((student, "repair", "宿舍卫生间水龙头漏水", now - timedelta(days=1, hours=3), True))
    for sid in sorted(mine)[:3]:
        kind, text = HELP[len(asked) % len(HELP)]
        asked.append((Student.objects.get(pk=sid), kind, text, now - timedelta(minutes=rng.randint(20, 150)), False))
    for who, kind, text, at, answered in asked:
        request = services.help_ask(student=who, kind=kind, text=text, token=f"demo-{who.pk}-{kind}", now=at)
        if answered:
            responder = request.staff.user if request.staff and request.staff.user_id else office_user
            if responder is not None:
                services.help_answer(
                    request=request, by=responder, answer="已联系后勤，明天上午维修师傅上门", now=at + timedelta(minutes=25)
                )

    # -- canteens: a week of daily reports and ratings ----------------------------------------
    reports, ratings = [], []
    raters = sorted(placed)
    for offset in range(6, -1, -1):
        day = today - timedelta(days=offset)
        for canteen in canteens:
            kept = not (offset == 3 and canteen == canteens[-1])
            unwell = 1 if (offset == 5 and canteen == canteens[0]) else 0
            if offset == 0 and canteen != canteens[0]:
                continue  # today only the first canteen has reported so far
            reports.append(
                CanteenReport(
                    canteen=canteen,
                    day=day,
                    windows_open=rng.randint(4, 12),
                    meals_served=rng.randint(600, 1800),
                    samples_kept=kept,
                    staff_checked=rng.randint(20, 40),
                    staff_unwell=unwell,
                    note="" if kept and not unwell else ("午餐一份留样遗漏，已补留并通报批评" if not kept else "1名员工咽痛，已停岗就医"),
                    reported_at=timezone.make_aware(datetime.combine(day, time(21, 30))) if offset else now - timedelta(hours=1),
                )
            )
        if not canteens:
            continue
        meals = (
            ["breakfast", "lunch", "dinner"]
            if offset
            else [m for m, hour in (("breakfast", 9), ("lunch", 13), ("dinner", 19)) if timezone.localtime().hour >= hour]
        )
        for meal in meals:
            for sid in rng.sample(raters, min(len(raters), 25)):
                score = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 6, 12, 8])[0]
                comment = rng.choice(COMMENTS) if rng.random() < 0.4 or score <= 2 else ""
                ratings.append(
                    MealRating(
                        canteen=rng.choice(canteens),
                        student_id=sid,
                        day=day,
                        meal=meal,
                        score=score,
                        comment=comment,
                        is_complaint=score <= 2,
                        reply="已反馈厨房，改进口味" if score <= 2 and offset > 1 else "",
                        replied_at=timezone.make_aware(datetime.combine(day + timedelta(days=1), time(10)))
                        if score <= 2 and offset > 1
                        else None,
                        created_at=timezone.make_aware(datetime.combine(day, time({"breakfast": 8, "lunch": 12, "dinner": 18}[meal], 30))),
                    )
                )
    CanteenReport.objects.bulk_create(reports, ignore_conflicts=True)
    MealRating.objects.bulk_create(ratings, batch_size=1000, ignore_conflicts=True)

    _college_form_with_meals(today)

    # -- fever clinic referrals: one back on campus, one isolated today ------------------------
    if hospital is not None and placed:
        candidates = _scanned_out(placed, today, now) or sorted(placed)
        referred = candidates[0]
        FeverReferral.objects.create(
            student_id=referred,
            hospital=hospital,
            referred_at=now - timedelta(hours=3),
            from_where="宿舍（辅导员陪同）",
            temperature="38.2",
            symptoms="发热、咽痛",
            result=FeverReferral.Result.ISOLATED,
            result_at=now - timedelta(hours=1),
            note="核酸结果待出，隔离病区观察",
        )
        back = sorted(placed)[len(placed) // 2]
        if back != referred:
            FeverReferral.objects.create(
                student_id=back,
                hospital=hospital,
                referred_at=now - timedelta(days=2, hours=5),
                from_where="东门体温检测点",
                temperature="37.6",
                symptoms="低热",
                result=FeverReferral.Result.CLEARED,
                result_at=now - timedelta(days=2, hours=2),
                back_on_campus_at=now - timedelta(days=2, hours=1),
            )


def _college_form_with_meals(today) -> None:
    """The office adds the students' meal situation to the college daily report from today
    (a new version of the form; earlier reports keep theirs). Models looked up by name: care
    does not import the reports app, whose form builder would do the same."""
    if not apps.is_installed("fangxian.reports"):
        return
    from .providers import with_meal_fields

    report_form = apps.get_model("reports", "ReportForm")
    form_version = apps.get_model("reports", "FormVersion")
    form = report_form.objects.filter(code="college-daily").first()
    if form is None or form_version.objects.filter(form=form, valid_from__gte=today).exists():
        return
    latest = form_version.objects.filter(form=form).order_by("-valid_from", "-number").first()
    if latest is None:
        return
    number = max(form_version.objects.filter(form=form).values_list("number", flat=True)) + 1
    form_version.objects.create(
        form=form, number=number, valid_from=today, schema=with_meal_fields(latest.schema), note="增加留校学生就餐情况（由关爱模块预填）"
    )


def _scanned_out(placed: set[int], today, now) -> list[int]:
    """Staying students whose last gate scan was leaving: the referral explains their absence."""
    if not apps.is_installed("fangxian.gates"):
        return []
    from fangxian.gates import selectors as gates
    from fangxian.org.models import Place

    found = []
    since = timezone.make_aware(datetime.combine(today - timedelta(days=6), time.min))
    for campus_id in Place.objects.filter(kind=Place.Kind.CAMPUS).order_by("pk").values_list("pk", flat=True):
        for sid, (direction, _at) in gates.last_student_scans(campus_id, since, now).items():
            if direction == "out" and sid in placed:
                found.append(sid)
    return sorted(found)
