"""Demo data: a schedule of nucleic-acid rounds every two days on the demo student's campus
(two past rounds with the lab's results, one of them with an abnormal pooled tube, and
today's round in progress), and the `sampler` login posted at its sampling site."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.core.demo import DEMO_PASSWORD
from fangxian.org.models import Assignment, Place, Staff, Student, Unit

from . import services
from .models import SAMPLER, Kind, Member, Result, Round, Sample, Tube

LOGINS: list[tuple[str, str]] = [("sampler", "采样人员 sampler at the demo student's campus (学生 → 采样登记)")]


def _at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _sample(round: Round, members: list[Member], site: Place, sampler, rng: random.Random, *, share: float, results: bool) -> list[Tube]:
    """Sample a share of the members into 10-in-1 tubes (bulk, like a morning's work)."""
    chosen = [m for m in members if rng.random() < share]
    span = max(1, int((min(round.ends_at, timezone.now()) - round.starts_at).total_seconds()))
    tubes, samples = [], []
    for start in range(0, len(chosen), 10):
        group = chosen[start : start + 10]
        at = round.starts_at + timedelta(seconds=span * start // max(1, len(chosen)))
        tube = Tube(
            round=round,
            number=f"HG{round.day:%y%m%d}{start // 10 + 1:05d}",
            capacity=10,
            place=site,
            sampler=sampler,
            opened_at=at,
            size=len(group),
            result=Result.NEGATIVE if results else Result.PENDING,
            result_at=round.ends_at + timedelta(hours=6) if results else None,
        )
        tubes.append(tube)
        for member in group:
            member.sampled_at = at
            samples.append(Sample(round=round, member=member, tube=tube, place=site, sampled_at=at, sampled_by=sampler, result=tube.result))
    Tube.objects.bulk_create(tubes)
    for sample in samples:
        sample.tube_id = sample.tube.pk
    Sample.objects.bulk_create(samples, batch_size=2000)
    Member.objects.bulk_update(chosen, ["sampled_at"], batch_size=2000)
    return tubes


def load(size: int = 1, seed: int = 2022, **_options) -> None:
    from fangxian.accounts.models import User

    rng = random.Random(f"screening-{seed}")
    student = Student.objects.filter(user__username="student").select_related("bed").first()
    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, parent__isnull=True).order_by("pk").first()
    if institution is None or Round.objects.exists():
        return
    campus = None
    if student is not None and student.bed_id:
        campus = Place.objects.filter(pk=int(student.bed.path.strip("/").split("/")[0])).first()
    campus = campus or Place.objects.filter(kind=Place.Kind.CAMPUS, institution=institution).order_by("pk").first()
    if campus is None:
        return
    site = (
        Place.objects.filter(kind=Place.Kind.BUILDING, parent=campus).exclude(use=Place.Use.DORM).order_by("path").first()
        or Place.objects.filter(kind=Place.Kind.BUILDING, parent=campus).order_by("path").first()
        or campus
    )
    today = timezone.localdate()
    staff = Staff.objects.create(
        institution=institution, unit=institution, name="采样人员 周敏", gender="F", staff_number="CY0001", title="核酸采样"
    )
    sampler = User.objects.filter(username="sampler").first()
    if sampler is None:
        sampler = User(username="sampler", full_name=staff.name)
        sampler.set_password(DEMO_PASSWORD)
        sampler.save()
    Staff.objects.filter(pk=staff.pk).update(user=sampler)
    Assignment.objects.create(staff=staff, role=SAMPLER, place=campus, start_date=today - timedelta(days=10))
    office = User.objects.filter(username="office").first()
    previous = None
    for offset in (4, 2, 0):
        day = today - timedelta(days=offset)
        if offset:
            start, end = _at(day, 7), _at(day, 11)
        else:
            now = timezone.now()
            start = max(now - timedelta(hours=2), _at(day, 0, 5))
            end = max(now + timedelta(hours=3), start + timedelta(hours=4))
        try:
            round = services.round_create(
                institution=institution,
                name=f"{campus.name}核酸检测（{day:%m-%d}）",
                kind=Kind.NUCLEIC,
                day=day,
                starts_at=start,
                ends_at=end,
                slots=[services.SlotSpec(site, start, end)],
                by=office,
                campus=campus,
                pool_size=10,
                repeat_days=2,
                repeat_until=today + timedelta(days=6),
                previous=previous,
            )
        except ValidationError:
            continue  # nobody on the campus that day (a tiny demo): no round
        members = list(Member.objects.filter(round=round).order_by("id"))
        tubes = _sample(round, members, site, sampler, rng, share=0.97 if offset else 0.4, results=bool(offset))
        if offset == 2 and tubes:
            tube = tubes[len(tubes) // 2]
            Tube.objects.filter(pk=tube.pk).update(result=Result.ABNORMAL)
            Sample.objects.filter(tube=tube).update(result=Result.ABNORMAL)
            tube.refresh_from_db()
            services.tube_flagged(tube=tube, by=office)
        previous = round
