"""Checklists, campaigns, inspections and rectification through the services, with the real
deadline engine, notifications and photos."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from fangxian.core import incidents
from fangxian.deadlines.models import Deadline
from fangxian.deadlines.services import tick
from fangxian.hazards import selectors, services
from fangxian.hazards.models import AnswerPhoto, Campaign, Checklist, Finding, FindingEvent, Inspection
from fangxian.notify.models import Notification


def test_default_checklists_are_loaded_once(hz):
    assert Checklist.objects.count() == 5
    assert services.load_default_checklists(user=None) == 0
    lab = Checklist.objects.get(code="lab").current
    texts = " ".join(lab.items.values_list("text", flat=True))
    for word in ("危化品", "气瓶", "通风橱", "洗眼器", "灭火器", "废"):
        assert word in texts
    assert Checklist.objects.get(code="pipe").current.items.filter(reading=True).exists()


def test_a_new_version_keeps_the_old_one(hz):
    checklist = Checklist.objects.get(code="dorm")
    items = services.parse_items("用电｜无违章电器\n水表｜总表读数｜m³")
    version = services.add_version(user=hz.office, checklist=checklist, items=items, note="加读数")
    assert version.number == 2 and checklist.versions.count() == 2
    assert list(version.items.values_list("reading", "reading_unit")) == [(False, ""), (True, "m³")]


def test_bad_checklist_lines_name_the_line(hz):
    with pytest.raises(ValidationError) as exc:
        services.parse_items("用电｜\n｜a｜b｜c｜d")
    messages = " ".join(exc.value.messages)
    assert "第 1 行" in messages and "第 2 行" in messages


def test_a_campaign_plans_its_places_with_inspector_and_owner(hz):
    campaign = hz.campaign()
    places = {cp.place_id: cp for cp in campaign.places.all()}
    assert set(places) == {hz.lab_building.pk, hz.lab1.pk, hz.lab2.pk, hz.dorm.pk} - {
        hz.lab_building.pk
    }  # no checklist for teaching buildings
    lab = places[hz.lab1.pk]
    assert lab.inspector == hz.inspector and lab.owner == hz.owner and lab.unit == hz.lab_office and lab.version == hz.versions["lab"]
    dorm = places[hz.dorm.pk]
    assert dorm.owner == hz.manager and dorm.version == hz.versions["dorm"]


def test_a_campaign_without_places_or_checklists_is_refused(hz):
    with pytest.raises(ValidationError) as exc:
        hz.campaign(buildings=[], all_labs=False)
    assert "覆盖" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError):
        hz.campaign(lab_version=None, dorm_version=None)
    with pytest.raises(ValidationError):
        hz.campaign(lab_version=hz.versions["dorm"])
    assert not Campaign.objects.exists()


def test_only_keepers_start_campaigns(hz):
    with pytest.raises(PermissionDenied):
        hz.campaign(user=hz.inspector_user)
    assert hz.campaign(user=hz.office).places.count() == 3


def test_inspection_draft_then_findings_with_deadlines(hz, jpeg, django_capture_on_commit_callbacks):
    campaign = hz.campaign()
    cp = hz.cp(campaign, hz.lab1)
    answers = hz.answers(cp, fails=(1, 4))
    services.save_answers(user=hz.inspector_user, campaign_place=cp, answers=answers[:3])
    # Half-finished: submitting keeps the draft and names the missing items.
    with pytest.raises(ValidationError) as exc:
        services.submit_inspection(user=hz.inspector_user, campaign_place=cp)
    assert "草稿" in exc.value.messages[0]
    inspection = Inspection.objects.get(campaign_place=cp)
    assert inspection.status == "draft" and inspection.answers.count() == 3
    services.save_answers(user=hz.inspector_user, campaign_place=cp, answers=answers)
    services.save_answers(user=hz.inspector_user, campaign_place=cp, answers=answers)  # a retry changes nothing
    photo = services.add_answer_photo(user=hz.inspector_user, campaign_place=cp, item_id=answers[0]["item"], data=jpeg, token="t1")
    again = services.add_answer_photo(user=hz.inspector_user, campaign_place=cp, item_id=answers[0]["item"], data=jpeg, token="t1")
    assert photo.pk == again.pk and AnswerPhoto.objects.count() == 1
    services.submit_inspection(user=hz.inspector_user, campaign_place=cp)
    found = list(Finding.objects.order_by("pk"))
    assert [f.owner for f in found] == [hz.owner, hz.owner]
    assert all(Deadline.objects.filter(kind=services.DEADLINE_KIND, object_id=f.pk, done_at__isnull=True).exists() for f in found)
    assert Notification.objects.filter(user=hz.owner_user, kind="hazards.finding").count() == 2
    with pytest.raises(ValidationError):
        services.save_answers(user=hz.inspector_user, campaign_place=cp, answers=answers)


def test_bad_answers_are_refused_and_nothing_is_saved(hz, jpeg):
    campaign = hz.campaign()
    cp = hz.cp(campaign, hz.lab1)
    dorm_item = hz.cp(campaign, hz.dorm).version.items.first()
    answers = hz.answers(cp)
    with pytest.raises(ValidationError) as exc:
        services.save_answers(user=hz.inspector_user, campaign_place=cp, answers=[*answers, {"item": dorm_item.pk, "result": "pass"}])
    assert "不在检查清单" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        services.save_answers(user=hz.inspector_user, campaign_place=cp, answers=[{**answers[0], "reading": "12"}])
    assert "读数" in exc.value.messages[0]
    assert not Inspection.objects.filter(campaign_place=cp).exists() or not Inspection.objects.get(campaign_place=cp).answers.exists()
    with pytest.raises(ValidationError) as exc:
        services.add_answer_photo(user=hz.inspector_user, campaign_place=cp, item_id=answers[0]["item"], data=b"not an image", token="x")
    assert "照片" in exc.value.messages[0] or "图片" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        services.add_answer_photo(
            user=hz.inspector_user, campaign_place=cp, item_id=answers[0]["item"], data=b"0" * (6 * 1024 * 1024), token="y"
        )
    assert "MB" in exc.value.messages[0]
    assert not AnswerPhoto.objects.exists()


def test_a_place_outside_the_inspectors_scope_is_refused(hz, make_user):
    campaign = hz.campaign(buildings=[hz.other_building, hz.lab_building])
    other = hz.cp(campaign, hz.other_lab)
    assert other.inspector is None
    with pytest.raises(Http404) as exc:
        services.save_answers(user=hz.inspector_user, campaign_place=other, answers=hz.answers(other))
    assert "检查范围" in str(exc.value)
    # The dormitory's manager does not see the labs; a school leader sees them and changes nothing.
    with pytest.raises(Http404):
        services.save_answers(user=hz.manager_user, campaign_place=hz.cp(campaign, hz.lab2), answers=[])
    with pytest.raises(PermissionDenied):
        services.save_answers(user=make_user("leader-hz", "leader"), campaign_place=hz.cp(campaign, hz.lab2), answers=[])
    assert not Inspection.objects.exists()


def _found(hz, fails=(1,), level="general"):
    campaign = hz.campaign()
    cp = hz.cp(campaign, hz.lab1)
    services.save_answers(user=hz.inspector_user, campaign_place=cp, answers=hz.answers(cp, fails=fails, level=level))
    services.submit_inspection(user=hz.inspector_user, campaign_place=cp)
    return list(Finding.objects.order_by("pk"))


def test_rectify_return_then_close(hz, jpeg):
    finding = _found(hz)[0]
    with pytest.raises(ValidationError) as exc:
        services.verify(user=hz.inspector_user, finding=finding, close=True)
    assert "整改" in exc.value.messages[0]
    with pytest.raises(PermissionDenied):
        services.report_rectification(user=hz.manager_user, finding=finding, text="x")
    with pytest.raises(ValidationError):
        services.report_rectification(user=hz.owner_user, finding=finding, text="已处理", photos=[b"junk"])
    assert Finding.objects.get(pk=finding.pk).status == "open" and not FindingEvent.objects.filter(kind="reported").exists()
    services.report_rectification(user=hz.owner_user, finding=finding, text="已固定气瓶", photos=[jpeg], token="r1")
    services.report_rectification(user=hz.owner_user, finding=finding, text="已固定气瓶", photos=[jpeg], token="r1")  # retried
    assert FindingEvent.objects.filter(kind="reported").count() == 1
    with pytest.raises(ValidationError):
        services.verify(user=hz.inspector_user, finding=finding, close=False, note="")
    services.verify(user=hz.inspector_user, finding=finding, close=False, note="链条未锁")
    finding.refresh_from_db()
    assert finding.status == "open" and finding.returned_count == 1
    assert Notification.objects.filter(user=hz.owner_user, kind="hazards.returned").exists()
    services.report_rectification(user=hz.owner_user, finding=finding, text="已上锁", token="r2")
    services.verify(user=hz.inspector_user, finding=finding, close=True, note="验收合格")
    finding.refresh_from_db()
    assert finding.status == "closed" and finding.closed_at is not None
    assert Deadline.objects.get(kind=services.DEADLINE_KIND, object_id=finding.pk).done_at is not None


def test_overdue_reaches_the_units_leader_then_the_office(hz, django_capture_on_commit_callbacks):
    finding = _found(hz)[0]
    later = finding.due_at + timedelta(minutes=5)
    tick(now=later, kinds=[services.DEADLINE_KIND])
    assert Notification.objects.filter(user=hz.leader_user, kind=f"{services.DEADLINE_KIND}.leader").count() == 1
    tick(now=later + timedelta(minutes=1), kinds=[services.DEADLINE_KIND])
    assert Notification.objects.filter(user=hz.leader_user, kind=f"{services.DEADLINE_KIND}.leader").count() == 1
    tick(now=finding.due_at + timedelta(days=1, minutes=1), kinds=[services.DEADLINE_KIND])
    assert Notification.objects.filter(user=hz.office, kind=f"{services.DEADLINE_KIND}.office").count() == 1
    assert selectors.overdue_count(hz.office, now=later) == 1


def test_a_deadline_before_the_finding_is_refused(hz):
    finding = _found(hz)[0]
    with pytest.raises(ValidationError) as exc:
        services.change_finding(user=hz.inspector_user, finding=finding, due_at=finding.created_at - timedelta(hours=1))
    assert "期限" in " ".join(exc.value.messages)
    moved = services.change_finding(
        user=hz.inspector_user, finding=finding, due_at=finding.created_at + timedelta(days=20), owner=hz.manager
    )
    assert moved.owner == hz.manager and FindingEvent.objects.filter(kind__in=["owner", "deadline"]).count() == 2


def test_a_major_finding_tells_the_office_and_asks_for_an_incident(hz):
    asked = []

    def opener(request):
        asked.append(request)
        return "/incidents/7/"

    saved = list(incidents._opener)
    incidents.register_incident_opener(opener)
    try:
        finding = _found(hz, level="major")[0]
    finally:
        incidents._opener[:] = saved
    assert asked[0].kind == "lab" and asked[0].level == "major" and asked[0].source == f"hazards.finding:{finding.pk}"
    assert Finding.objects.get(pk=finding.pk).incident_url == "/incidents/7/"
    assert Notification.objects.filter(user=hz.office, kind="hazards.major").exists()
    assert finding.due_at - finding.created_at == timedelta(days=1)


def test_a_major_finding_without_incidents_app_still_works(hz):
    saved = list(incidents._opener)
    incidents._opener[:] = []
    try:
        finding = _found(hz, level="major")[0]
    finally:
        incidents._opener[:] = saved
    assert finding.incident_url == ""


def test_coverage_counts_and_stale_labs(hz):
    campaign = hz.campaign()
    _cp = hz.cp(campaign, hz.lab1)
    services.save_answers(user=hz.inspector_user, campaign_place=_cp, answers=hz.answers(_cp, fails=(2,)))
    services.submit_inspection(user=hz.inspector_user, campaign_place=_cp)
    cov = selectors.campaign_coverage(hz.office, campaign)
    assert (cov.total.planned, cov.total.inspected, cov.total.not_inspected) == (3, 1, 2)
    assert {row.place_name for row in cov.not_inspected} == {"102 物理实验室", "1号公寓"}
    general = next(row for row in cov.matrix if row[0] == "general")
    assert general[2]["open"] == 1
    stale = {lab.name for lab in selectors.stale_labs(hz.office, 30)}
    assert stale == {"102 物理实验室", "201 病理实验室"}
    # The inspector of 校本部 sees its places, not the other campus's lab.
    assert {lab.name for lab in selectors.stale_labs(hz.inspector_user, 30)} == {"102 物理实验室"}


def test_a_weekly_campaign_repeats_once(hz):
    today = timezone.localdate()
    campaign = hz.campaign(
        name="管网巡查",
        recurrence="weekly",
        starts_on=today - timedelta(days=8),
        ends_on=today - timedelta(days=2),
        lab_version=None,
        dorm_version=None,
        campus_version=hz.versions["pipe"],
        buildings=[],
        campuses=[hz.campus],
    )
    assert services.repeat_due_campaigns(today) == 1
    assert services.repeat_due_campaigns(today) == 0
    nxt = Campaign.objects.get(series=campaign)
    assert nxt.starts_on == campaign.starts_on + timedelta(days=7) and nxt.places.count() == 1
