"""The duty demo: this month's rosters of the school, every college, the security office and
the hospital (and the next two weeks), filled from rotations of their own people; most past
shifts checked in, a few not; a few gaps planted in the next days (shifts without a leader
or without staff, a person rostered on a day of approved duty leave); a ping with an
unanswered person; duty log entries; a swap in the history; random pings for every unit on
duty, twice a day between 08:00 and 22:00. Deterministic for a seed."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from django.utils import timezone

from fangxian.core.demo import DEMO_PASSWORD
from fangxian.org.models import Staff, Unit

from . import services
from .models import LogEntry, Ping, PingRequest, PingSchedule, Post, Roster, Swap, Unavailability
from .roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY
from .services.onpost import signature

LOGINS = [
    ("dutyleader", "带班领导 the school's leader on duty today (值班与安全 → 值班表, 当前在岗, 在岗抽查)"),
    ("dutystaff", "值班人员 on duty at the school now: 我的值班 (check in, answer pings, duty log)"),
]
LOG_TEXTS = [
    ("call", "接到医学院来电，报告一名学生体温37.6℃，已通知校医院复测。"),
    ("patrol", "巡查校本部东门、南门，门岗人员在岗，测温登记正常。"),
    ("matter", "协调后勤处为隔离观察学生送餐，已落实。"),
    ("patrol", "夜间巡查学生公寓1-3号楼，未发现异常。"),
    ("call", "接市疾控中心电话通知，明日开展全员核酸检测，已转告防控办。"),
    ("other", "值班电话畅通，无其他事项。"),
]


def _people(unit: Unit) -> list[Staff]:
    return list(Staff.objects.filter(unit__path__startswith=unit.path, is_active=True).order_by("staff_number"))


def _teams(units: dict[str, Unit]) -> list[tuple[Unit, str, int, list[Staff], list[Staff]]]:
    """(unit, pattern, staff per shift, leaders, staff) for each unit on duty."""
    teams = []
    inst = units["institution"]
    inst_people = list(Staff.objects.filter(unit=inst, is_active=True).order_by("staff_number"))
    office = units.get("prevention-office")
    party = units.get("party-office")
    school_staff = [*(_people(office) if office else []), *(_people(party) if party else [])]
    if inst_people and school_staff:
        teams.append((inst, Roster.Pattern.DAY_NIGHT, 1, inst_people[:8], school_staff))
    for college in Unit.objects.filter(kind=Unit.Kind.COLLEGE, archived_at__isnull=True).order_by("path"):
        people = [s for s in _people(college) if s.unit_id == college.pk]
        if len(people) >= 5:
            teams.append((college, Roster.Pattern.FULL_DAY, 1, people[:3], people[3:9]))
    security = units.get("security")
    if security:
        people = _people(security)
        if len(people) >= 4:
            teams.append((security, Roster.Pattern.DAY_NIGHT, 2, people[:2], people[2:10]))
    hospital = Unit.objects.filter(kind=Unit.Kind.HOSPITAL, archived_at__isnull=True).order_by("path").first()
    if hospital:
        people = _people(hospital)
        if len(people) >= 4:
            teams.append((hospital, Roster.Pattern.DAY_NIGHT, 1, people[:2], people[2:]))
    return teams


def load(*, size: int = 0, seed: int = 20220714, **_options) -> None:
    inst = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, archived_at__isnull=True).order_by("pk").first()
    if inst is None or Roster.objects.exists():
        return
    rng = random.Random(seed + 60)
    units = {
        "institution": inst,
        **{u.code: u for u in Unit.objects.filter(kind=Unit.Kind.DEPARTMENT, code__in=["prevention-office", "party-office", "security"])},
    }
    now = timezone.now()
    today = timezone.localdate()
    first = today.replace(day=1)
    last = max(today + timedelta(days=14), (first + timedelta(days=32)).replace(day=1) - timedelta(days=1))
    rosters = []
    for unit, pattern, per_shift, leaders, staff in _teams(units):
        roster = services.roster_save(unit=unit, by=None, pattern=pattern, day_starts=time(8, 0), staff_needed=per_shift)
        services.rotation_fill(roster=roster, start=first, end=last, leaders=leaders, staff=staff, by=None, staff_per_shift=per_shift)
        rosters.append(roster)
    if not rosters:
        return
    _check_ins(rng, now)
    _gaps(rng, rosters, today)
    _logins(rosters[0], now)
    _log_and_pings(rng, rosters, now)
    _swap(rosters, now)
    PingSchedule.objects.create(unit=None, per_day=2, window_start=time(8), window_end=time(22), answer_minutes=10)
    # The check-in clocks of the shifts around now, so the overdue list shows the misses.
    from .deadlines import plan_check_ins

    plan_check_ins(now)


def _check_ins(rng: random.Random, now) -> None:
    """Past and current shifts: most people checked in within minutes, a few never did."""
    posts = list(Post.objects.filter(shift__starts_at__lte=now).select_related("shift").order_by("pk"))
    done = []
    for post in posts:
        current = post.shift.ends_at > now
        if rng.random() < (0.15 if current else 0.03):
            continue  # a missed check-in
        post.checked_in_at = min(now, post.shift.starts_at + timedelta(minutes=rng.randint(-20, 12)))
        if not current:
            post.checked_out_at = post.shift.ends_at + timedelta(minutes=rng.randint(0, 10))
            if post.role == DUTY_STAFF_KEY and rng.random() < 0.3:
                post.handover_note = rng.choice(
                    ["值班期间无异常，电话畅通。", "发热门诊转来一名学生，已按流程处置并报防控办。", "东门测温仪电量低，已报后勤处更换。"]
                )
        done.append(post)
    Post.objects.bulk_update(done, ["checked_in_at", "checked_out_at", "handover_note"], batch_size=1000)


def _gaps(rng: random.Random, rosters: list[Roster], today: date) -> None:
    """A few planted gaps in the next days: two shifts without staff, one without a leader,
    and one person on approved duty leave on a day they are rostered."""
    from .services.rosters import _delete_posts

    colleges = [r for r in rosters if r.unit.kind == Unit.Kind.COLLEGE]
    if len(colleges) < 3:
        return
    picks = rng.sample(colleges, 3)
    gone = []
    for roster, offset, role in ((picks[0], 3, DUTY_STAFF_KEY), (picks[1], 5, DUTY_STAFF_KEY), (picks[2], 6, DUTY_LEADER_KEY)):
        gone += list(Post.objects.filter(shift__roster=roster, shift__day=today + timedelta(days=offset), role=role))
    _delete_posts(gone)
    post = (
        Post.objects.filter(shift__roster=colleges[0], shift__day=today + timedelta(days=8), role=DUTY_STAFF_KEY)
        .select_related("staff")
        .first()
    )
    if post is not None:
        Unavailability.objects.create(
            staff=post.staff,
            start_date=post.shift.day,
            end_date=post.shift.day,
            reason="参加省教育厅疫情防控培训",
            status=Unavailability.Status.APPROVED,
            decided_at=timezone.now(),
        )
    # A request still waiting for the unit's admin.
    other = (
        Post.objects.filter(shift__roster=colleges[1], shift__day=today + timedelta(days=10), role=DUTY_STAFF_KEY)
        .select_related("staff")
        .first()
    )
    if other is not None:
        Unavailability.objects.create(staff=other.staff, start_date=other.shift.day, end_date=other.shift.day, reason="家中有事")


def _logins(school: Roster, now) -> None:
    """dutyleader: the school's leader on duty now; dutystaff: the school's staff on duty now."""
    from fangxian.accounts.models import User

    current = Post.objects.filter(shift__roster=school, shift__starts_at__lte=now, shift__ends_at__gt=now).select_related("staff")
    for username, role in (("dutyleader", DUTY_LEADER_KEY), ("dutystaff", DUTY_STAFF_KEY)):
        post = current.filter(role=role, staff__user__isnull=True).order_by("pk").first()
        if post is None or User.objects.filter(username=username).exists():
            continue
        if role == DUTY_STAFF_KEY:
            # The demo's person on duty has not checked in yet: the walk-through starts there.
            Post.objects.filter(pk=post.pk).update(checked_in_at=None)
        user = User(username=username, full_name=post.staff.name)
        user.set_password(DEMO_PASSWORD)
        user.save()
        Staff.objects.filter(pk=post.staff_id).update(user=user)


def _log_and_pings(rng: random.Random, rosters: list[Roster], now) -> None:
    entries = []
    for post in (
        Post.objects.filter(
            shift__starts_at__lte=now, shift__starts_at__gte=now - timedelta(days=3), checked_in_at__isnull=False, role=DUTY_STAFF_KEY
        )
        .select_related("shift")
        .order_by("pk")
    ):
        if rng.random() < 0.5:
            continue
        kind, text = rng.choice(LOG_TEXTS)
        at = min(now, post.shift.starts_at + timedelta(minutes=rng.randint(30, 600)))
        entries.append(
            LogEntry(post=post, kind=kind, text=text, written_at=at, signature=signature(post.pk, post.staff_id, kind, text, at))
        )
    LogEntry.objects.bulk_create(entries)
    # Yesterday afternoon's ping: everyone on duty then, a few never answered.
    sent = timezone.make_aware(timezone.datetime.combine(timezone.localdate() - timedelta(days=1), time(15, 20)))
    posts = list(Post.objects.filter(shift__starts_at__lte=sent, shift__ends_at__gt=sent).order_by("pk"))
    if posts:
        ping = Ping.objects.create(sent_at=sent, answer_minutes=10)
        rows = []
        for post in posts:
            answered = None if rng.random() < 0.1 else sent + timedelta(seconds=rng.randint(20, 540))
            rows.append(
                PingRequest(ping=ping, post=post, staff_id=post.staff_id, closes_at=sent + timedelta(minutes=20), answered_at=answered)
            )
        PingRequest.objects.bulk_create(rows)


def _swap(rosters: list[Roster], now) -> None:
    """One approved swap in the history (the colleague holds the shift now), one waiting for
    the colleague's answer."""
    from .services.rosters import PlannedPost, _create, _delete_posts, check_plan

    colleges = [r for r in rosters if r.unit.kind == Unit.Kind.COLLEGE][:2]
    for roster, status in zip(colleges, (Swap.Status.APPROVED, Swap.Status.ASKED), strict=False):
        posts = list(
            Post.objects.filter(shift__roster=roster, role=DUTY_STAFF_KEY, shift__starts_at__gt=now + timedelta(days=2))
            .select_related("shift", "staff")
            .order_by("shift__starts_at")[:2]
        )
        if len(posts) < 2 or posts[0].staff_id == posts[1].staff_id:
            continue
        mine, theirs = posts
        swap = Swap(post=mine, shift=mine.shift, requester=mine.staff, colleague=theirs.staff, reason="临时出差", status=status)
        if status == Swap.Status.APPROVED:
            planned = PlannedPost(mine.shift.day, mine.shift.slot, theirs.staff, DUTY_STAFF_KEY)
            if check_plan(roster, [planned], ignore_posts=[mine.pk]):
                continue
            _delete_posts([mine])
            _create(roster, [planned], None)
            swap.post, swap.answered_at, swap.decided_at = None, now, now
        swap.save()
