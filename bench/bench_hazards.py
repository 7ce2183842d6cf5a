"""Hazard inspections: the coverage of one campaign and its formal report.

- hazards_campaign_coverage_ms: `selectors.campaign_coverage` as the office opens the
  campaign page: 2,000 places (100 buildings, 1,900 labs), 1,820 inspections with 20,020
  answers, 600 findings (some overdue).
- hazards_campaign_page_ms: the campaign page itself (HTML for the 2,000 places).
- hazards_report_docx_s: the campaign's 通报 (docx) for the same campaign.
"""

from __future__ import annotations

from datetime import date, timedelta

from bench.harness import median_ms, report, setup_django, timed

BUILDINGS = 100
LABS_PER_BUILDING = 19
INSPECTED_LABS = 1820
FINDINGS = 600


def run() -> None:
    setup_django("hazards")
    from django.test import Client
    from django.utils import timezone

    from fangxian.accounts.models import RoleGrant, User
    from fangxian.hazards import reports, selectors, services
    from fangxian.hazards.models import Answer, Campaign, CampaignPlace, Checklist, Finding, Inspection
    from fangxian.org.models import Assignment, Place, Staff, Unit
    from fangxian.org.scope import forget_scope

    root = Unit.objects.create(kind="institution", name="基准大学", code="bench")
    dept = Unit.objects.create(kind="department", name="实验室与设备管理处", code="lab", parent=root)
    campus = Place.objects.create(institution=root, kind="campus", name="校本部")
    owners = [Staff.objects.create(institution=root, unit=dept, name=f"负责人{n}", staff_number=f"L{n:03d}") for n in range(20)]
    inspector = Staff.objects.create(institution=root, unit=dept, name="检查员", staff_number="I001")
    Assignment.objects.create(staff=inspector, role="hazard_inspector", place=campus, start_date=date(2022, 1, 1))
    for b in range(BUILDINGS):
        building = Place.objects.create(institution=root, parent=campus, kind="building", name=f"实验楼{b:03d}", use="teaching")
        Assignment.objects.create(staff=owners[b % len(owners)], role="lab_safety", place=building, start_date=date(2022, 1, 1))
        for r in range(LABS_PER_BUILDING):
            Place.objects.create(institution=root, parent=building, kind="room", name=f"{r + 101}实验室", use="lab")
    office = User.objects.create(username="bench-office")
    RoleGrant.objects.create(user=office, role="prevention_office")
    services.load_default_checklists(user=None)
    versions = {c.code: c.current for c in Checklist.objects.all()}
    today = timezone.localdate()
    campaign = services.create_campaign(
        user=None,
        name="基准专项检查",
        starts_on=today - timedelta(days=5),
        ends_on=today + timedelta(days=5),
        lab_version=versions["lab"],
        building_version=versions["general"],
        campuses=[campus],
    )
    places = list(CampaignPlace.objects.filter(campaign=campaign, place__kind="room").order_by("pk")[:INSPECTED_LABS])
    now = timezone.now()
    Inspection.objects.bulk_create(
        [Inspection(campaign_place=cp, inspector=inspector, status="submitted", submitted_at=now) for cp in places], batch_size=500
    )
    inspections = list(Inspection.objects.filter(campaign_place__campaign=campaign).order_by("pk"))
    items = list(versions["lab"].items.order_by("position"))
    answers = [
        Answer(inspection=i, item=item, result="fail" if (n < FINDINGS and item.position == 1) else "pass", level="general")
        for n, i in enumerate(inspections)
        for item in items
    ]
    Answer.objects.bulk_create(answers, batch_size=2000)
    failed = Answer.objects.filter(inspection__campaign_place__campaign=campaign, result="fail").select_related(
        "inspection__campaign_place"
    )
    Finding.objects.bulk_create(
        [
            Finding(
                answer=a,
                inspection=a.inspection,
                campaign=campaign,
                place_id=a.inspection.campaign_place.place_id,
                unit=dept,
                campus=campus,
                title="危化品分类存放",
                level=("major", "larger", "general")[n % 3],
                status=("open", "reported", "closed")[n % 3],
                owner=owners[n % len(owners)],
                created_at=now - timedelta(days=10),
                due_at=now - timedelta(days=10) + timedelta(days=1 + n % 14),
            )
            for n, a in enumerate(failed)
        ],
        batch_size=500,
    )
    answer_count = Answer.objects.filter(inspection__campaign_place__campaign=campaign).count()
    assert CampaignPlace.objects.filter(campaign=campaign).count() == BUILDINGS * (LABS_PER_BUILDING + 1)

    def coverage():
        forget_scope(office)
        cov = selectors.campaign_coverage(office, campaign)
        assert cov.total.planned == 2000 and cov.total.inspected == INSPECTED_LABS

    report("hazards_campaign_coverage_ms", median_ms(coverage, repeat=7, warmup=1), "ms")
    client = Client(HTTP_HOST="localhost")
    client.force_login(office)
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=office, name="bench", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()

    def page():
        response = client.get(f"/hazards/campaigns/{campaign.pk}/")
        assert response.status_code == 200, response.status_code

    report("hazards_campaign_page_ms", median_ms(page, repeat=5, warmup=1), "ms")
    report("hazards_report_docx_s", timed(lambda: reports.campaign_docx(office, Campaign.objects.get(pk=campaign.pk))), "s")
    report("hazards_bench_answers", answer_count, "answers")
