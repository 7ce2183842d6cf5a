"""The test plugin registers a deadline kind with two escalation steps from its own apps.py
(a lab check: the lab's safety owner, then the lab inspector posted above the lab, then the
office); the engine sends its steps along the plugin's own assignment role, the lab page
shows the clock, the overdue list shows the lab to those who may see it, and nothing more
is sent once the lab is done."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fangxian.deadlines import registry, services
from fangxian.notify.models import Notification
from fangxian.org.models import Assignment, Place
from fangxian.org.testing import PlaceFactory, StaffFactory, UserFactory
from fangxian.tests.plugin_app.apps import LAB_CHECK_DEADLINE, LAB_INSPECTOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab_world(uni):
    building = PlaceFactory(kind="building", name="实验楼", parent=uni.campus, institution=uni.institution, use="teaching")
    lab = PlaceFactory(kind="room", name="101 实验室", parent=building, institution=uni.institution, use="lab")
    owner = StaffFactory(unit=uni.college, name="安全员 吴", user=UserFactory(username="labowner1"))
    inspector = StaffFactory(unit=uni.security_office, name="检查员 何平", user=UserFactory(username="labinspector1"))
    stranger = StaffFactory(unit=uni.security_office, name="检查员 冯", user=UserFactory(username="labinspector2"))
    other_campus = PlaceFactory(kind="campus", name="医学院校区", institution=uni.institution)
    start = date(2022, 1, 1)
    Assignment.objects.create(staff=owner, role="lab_safety", place=lab, start_date=start)
    Assignment.objects.create(staff=inspector, role=LAB_INSPECTOR, place=uni.campus, start_date=start)
    Assignment.objects.create(staff=stranger, role=LAB_INSPECTOR, place=other_campus, start_date=start)
    office = UserFactory(username="office_lab", roles=("prevention_office",))
    return {"lab": lab, "owner": owner.user, "inspector": inspector.user, "stranger": stranger.user, "office": office}


def kinds(user):
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def test_the_kind_is_registered_from_the_plugin_with_two_escalation_steps():
    spec = registry.get(LAB_CHECK_DEADLINE)
    assert [s.key for s in spec.steps] == ["remind", "inspector", "office"]
    assert [s.offset >= timedelta(0) for s in spec.steps] == [False, True, True]  # a reminder, two escalations
    assert spec.is_done.__module__ == "fangxian.tests.plugin_app.apps"


def test_the_lab_check_escalates_along_the_plugins_role_once_each(lab_world):
    lab, due = lab_world["lab"], timezone.now().replace(microsecond=0) + timedelta(hours=3)
    services.set_deadline(lab, LAB_CHECK_DEADLINE, due)
    for moment in (due - timedelta(minutes=30), due - timedelta(minutes=20), due + timedelta(minutes=1), due + timedelta(minutes=2)):
        services.tick(now=moment, kinds=[LAB_CHECK_DEADLINE])
    prefix = f"{LAB_CHECK_DEADLINE}."
    assert kinds(lab_world["owner"]) == [f"{prefix}remind"]
    assert kinds(lab_world["inspector"]) == [f"{prefix}inspector"]  # the inspector posted to this campus
    assert kinds(lab_world["stranger"]) == []  # not the other campus's
    services.tick(now=due + timedelta(hours=2, minutes=1), kinds=[LAB_CHECK_DEADLINE])
    services.tick(now=due + timedelta(hours=3), kinds=[LAB_CHECK_DEADLINE])
    assert kinds(lab_world["office"]) == [f"{prefix}office"]
    note = Notification.objects.get(user=lab_world["inspector"])
    assert "101 实验室" in note.title and note.url == reverse("plugin_app:lab_detail", args=[lab.pk])


def test_the_steps_stop_when_the_lab_is_done(lab_world):
    lab, due = lab_world["lab"], timezone.now().replace(microsecond=0) + timedelta(hours=3)
    services.set_deadline(lab, LAB_CHECK_DEADLINE, due)
    services.tick(now=due - timedelta(minutes=30), kinds=[LAB_CHECK_DEADLINE])
    Place.objects.filter(pk=lab.pk).update(archived_at=timezone.now())
    services.tick(now=due + timedelta(minutes=1), kinds=[LAB_CHECK_DEADLINE])
    services.tick(now=due + timedelta(hours=3), kinds=[LAB_CHECK_DEADLINE])
    assert kinds(lab_world["inspector"]) == [] and kinds(lab_world["office"]) == []


def test_the_lab_page_shows_the_clock_and_the_overdue_list_the_lab(lab_world, client):
    lab = lab_world["lab"]
    services.set_deadline(lab, LAB_CHECK_DEADLINE, timezone.now() - timedelta(minutes=10))
    client.force_login(lab_world["inspector"])
    page = client.get(reverse("plugin_app:lab_detail", args=[lab.pk])).content.decode()
    assert 'data-testid="deadline-clock"' in page and 'data-state="overdue"' in page and "实验室检查（测试插件）" in page
    overdue = client.get(reverse("deadlines:overdue")).content.decode()
    assert overdue.count('data-testid="overdue-row"') == 1 and "101 实验室" in overdue
    client.force_login(lab_world["stranger"])  # another campus's inspector: not theirs to see
    assert 'data-testid="overdue-row"' not in client.get(reverse("deadlines:overdue")).content.decode()
