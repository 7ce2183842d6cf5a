"""Hazard inspections in the demo university: the default checklists, an inspector (`safety`,
安全检查员 of 校本部) and a lab safety owner (`labowner`), a campaign in progress over the
校本部 buildings and every lab (some places inspected, hazards open, one overdue, one
rectified waiting for verification), and a weekly pipe-network patrol."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

from django.utils import timezone

from fangxian.core.demo import DEMO_PASSWORD
from fangxian.org.models import Assignment, Place, Staff, Unit

LOGINS = [
    ("safety", "安全检查员 hazard inspector of 校本部 (campaign in progress)"),
    ("labowner", "实验室负责人 lab safety owner of labs in 实验楼 (hazards to rectify)"),
]
CAMPAIGN_NAME = "2022年暑假前校园安全隐患大排查"
PATROL_NAME = "校园管网每周巡查"


def _photo(rng: random.Random) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), (200 + rng.randint(0, 40), 200, 190))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randint(0, 400), rng.randint(0, 300)
        draw.rectangle((x, y, x + rng.randint(20, 80), y + rng.randint(20, 60)), fill=(rng.randint(60, 200), 80, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _login(username: str, staff: Staff, full_name: str) -> None:
    from fangxian.accounts.models import User

    if staff.user_id or User.objects.filter(username=username).exists():
        return
    user = User(username=username, full_name=full_name or staff.name)
    user.set_password(DEMO_PASSWORD)
    user.save()
    Staff.objects.filter(pk=staff.pk).update(user=user)


def load(*, size: int = 1, seed: int = 2022, **_options) -> None:
    from . import services
    from .models import Campaign, Checklist, Finding, Result
    from .roles import HAZARD_INSPECTOR

    if Campaign.objects.filter(name=CAMPAIGN_NAME).exists():
        return
    services.load_default_checklists(user=None)
    main = Place.objects.filter(kind=Place.Kind.CAMPUS, code="campus-main").first()
    if main is None:
        return
    rng = random.Random(f"hazards-{seed}")
    today = timezone.localdate()
    security = Unit.objects.filter(code="security").first()
    inspector = Staff.objects.filter(unit=security, is_active=True).order_by("staff_number").last() if security else None
    lab_owner_ids = (
        Assignment.objects.active_on(today)
        .filter(role="lab_safety", place__isnull=False)
        .order_by("staff__staff_number")
        .values_list("staff_id", flat=True)
    )
    lab_owner = Staff.objects.filter(pk__in=list(lab_owner_ids[:1])).first()
    if inspector is None or lab_owner is None:
        return
    Assignment.objects.create(staff=inspector, role=HAZARD_INSPECTOR, place=main, start_date=date(2022, 1, 1), note="安全检查员")
    _login("safety", inspector, "")
    _login("labowner", lab_owner, "")

    versions = {c.code: c.current for c in Checklist.objects.all()}
    lab_building = Place.objects.filter(parent=main, kind=Place.Kind.BUILDING, name="实验楼").first()
    dorms = list(Place.objects.filter(parent=main, kind=Place.Kind.BUILDING, use=Place.Use.DORM).order_by("path")[:2])
    buildings = [b for b in [lab_building, *dorms] if b is not None]
    campaign = services.create_campaign(
        user=None,
        name=CAMPAIGN_NAME,
        description="按照通知第八条要求，全面排查校园各方面安全隐患，尤其是实验室安全隐患、校园管网跑冒滴漏等问题，不留空白。",
        starts_on=today - timedelta(days=5),
        ends_on=today + timedelta(days=10),
        lab_version=versions.get("lab"),
        dorm_version=versions.get("dorm"),
        building_version=versions.get("general"),
        buildings=buildings,
        all_labs=True,
    )
    services.create_campaign(
        user=None,
        name=PATROL_NAME,
        description="供水、供暖、燃气管网跑冒滴漏，阀门井，表计读数。",
        starts_on=today - timedelta(days=today.weekday()),
        ends_on=today - timedelta(days=today.weekday()) + timedelta(days=6),
        recurrence="weekly",
        campus_version=versions.get("pipe"),
        campuses=list(Place.objects.filter(kind=Place.Kind.CAMPUS).order_by("sort_order", "pk")),
    )

    # Inspect part of the campaign as the inspector (the services, as on the phone).
    from fangxian.accounts.models import User

    user = User.objects.filter(username="safety").first() or inspector.user
    cps = list(campaign.places.select_related("place", "version").order_by("place__path"))
    labs = [cp for cp in cps if cp.place.kind == Place.Kind.ROOM and cp.place.parent_id == getattr(lab_building, "pk", None)]
    others = [cp for cp in cps if cp not in labs]
    done = labs[:4] + others[:2]
    failures = 0
    for n, cp in enumerate(done):
        if cp.inspector_id is None:
            services.set_inspector(user=None, campaign_place=cp, staff=inspector)
        items = list(cp.version.items.order_by("position"))
        answers = []
        for item in items:
            result = Result.PASS
            if n < 3 and item.position in (1, 4) and failures < 5:
                result = Result.FAIL
                failures += 1
            answers.append(
                {
                    "item": item.pk,
                    "result": result,
                    "level": ("major" if failures == 1 else "larger" if failures == 2 else "general") if result == Result.FAIL else "",
                    "note": "危化品柜未上锁，台账缺少近两周领用记录"
                    if result == Result.FAIL and item.position == 1
                    else ("气瓶未固定" if result == Result.FAIL else ""),
                }
            )
        services.save_answers(user=user, campaign_place=cp, answers=answers)
        for answer in answers:
            if answer["result"] == Result.FAIL:
                services.add_answer_photo(
                    user=user, campaign_place=cp, item_id=answer["item"], data=_photo(rng), token=f"demo-{cp.pk}-{answer['item']}"
                )
        services.submit_inspection(user=user, campaign_place=cp)
    # A half-done draft on a phone.
    if len(labs) > 4:
        cp = labs[4]
        first = cp.version.items.order_by("position").first()
        services.save_answers(user=user, campaign_place=cp, answers=[{"item": first.pk, "result": Result.PASS}])
    # One hazard overdue (found a week ago), one rectified and waiting for verification.
    found = list(Finding.objects.filter(campaign=campaign).order_by("pk"))
    if found:
        late = found[-1]
        past = timezone.now() - timedelta(days=8)
        Finding.objects.filter(pk=late.pk).update(created_at=past, due_at=past + timedelta(days=7))
        from fangxian.deadlines.services import set_deadline

        late.refresh_from_db()
        set_deadline(late, services.DEADLINE_KIND, late.due_at)
    if len(found) > 1 and found[1].owner_id and found[1].owner.user_id:
        services.report_rectification(
            user=found[1].owner.user,
            finding=found[1],
            text="已将气瓶用链条固定，张贴状态标识。",
            photos=[_photo(rng)],
            token="demo-report",  # noqa: S106 (an idempotency token, not a secret)
        )
