"""The test plugin registers an assignment role and a coverage rule from its own apps.py; the
core picks them up: the assignment form and filter, scope, the role provider, the coverage
page and its counts, the coverage API, and the authorization matrix."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice

from fangxian.accounts.roles import Role, forget_roles, roles_of
from fangxian.org import registry
from fangxian.org.coverage import coverage_report, coverage_rule
from fangxian.org.models import Assignment
from fangxian.org.scope import Scope, forget_scope
from fangxian.org.selectors import visible_places, visible_students
from fangxian.org.testing import PlaceFactory, StaffFactory, UserFactory
from fangxian.testing import api_client
from fangxian.testing_authz import all_entries, url_names
from fangxian.tests.plugin_app.apps import LAB_INSPECTOR, LAB_WATCH_RULE

DAY = date(2024, 3, 1)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def labs(uni):
    """Two labs on the main campus, one on another campus."""
    building = PlaceFactory(kind="building", name="实验楼", parent=uni.campus, institution=uni.institution, use="teaching")
    ours = [PlaceFactory(kind="room", name=f"{n} 实验室", parent=building, institution=uni.institution, use="lab") for n in (101, 102)]
    classroom = PlaceFactory(kind="room", name="201 教室", parent=building, institution=uni.institution, use="teaching")
    other_campus = PlaceFactory(kind="campus", name="医学院校区", institution=uni.institution)
    other_building = PlaceFactory(kind="building", name="医学实验楼", parent=other_campus, institution=uni.institution, use="teaching")
    theirs = PlaceFactory(kind="room", name="301 实验室", parent=other_building, institution=uni.institution, use="lab")
    return {"ours": ours, "theirs": theirs, "classroom": classroom, "other_campus": other_campus}


@pytest.fixture
def inspector(uni):
    user = UserFactory(username="labinspector1")
    return StaffFactory(unit=uni.security_office, name="检查员 何平", user=user)


def test_the_role_is_registered_without_touching_org_or_accounts():
    spec = registry.assignment_role(LAB_INSPECTOR)
    assert spec is not None and spec.scope.__module__ == "fangxian.org.registry"
    assert coverage_rule(LAB_WATCH_RULE).role == LAB_INSPECTOR


def test_the_assignment_form_and_filter_offer_the_role(uni, office):
    client = _client(office)
    form = client.get(reverse("org:assignment_create")).content.decode()
    assert f'<option value="{LAB_INSPECTOR}">实验室检查员（测试插件）</option>' in form
    listing = client.get(reverse("org:assignment_list")).content.decode()
    assert f'value="{LAB_INSPECTOR}"' in listing
    # The spec names no other assigner (assigned_by): a college admin is not offered it.
    college_form = _client(uni.college_admin_user).get(reverse("org:assignment_create")).content.decode()
    assert 'value="counselor"' in college_form and f'value="{LAB_INSPECTOR}"' not in college_form


def test_the_office_assigns_it_on_a_campus_and_not_on_a_room(uni, office, inspector, labs):
    client = _client(office)
    url = reverse("org:assignment_create")
    data = {"role": LAB_INSPECTOR, "staff": inspector.pk, "start_date": "2024-01-01"}
    refused = client.post(url, {**data, "place": labs["ours"][0].pk}).content.decode()
    assert "该职责不能设在 101 实验室 上。" in refused
    assert client.post(url, {**data, "place": uni.campus.pk}).status_code == 302
    assert Assignment.objects.get(role=LAB_INSPECTOR).place == uni.campus


def test_posted_to_a_campus_the_inspector_sees_its_labs_and_nothing_else(uni, inspector, labs):
    Assignment.objects.create(staff=inspector, role=LAB_INSPECTOR, place=uni.campus, start_date=DAY)
    user = inspector.user
    forget_scope(user)
    forget_roles(user)
    assert Role.STAFF in roles_of(user)
    assert set(visible_places(user)) == set(labs["ours"])
    assert not visible_students(user).exists()  # the campus's dormitories stay out of sight
    client = _client(user)
    page = client.get(reverse("plugin_app:lab_list")).content.decode()
    assert all(f'data-lab="{lab.pk}"' in page for lab in labs["ours"]) and f'data-lab="{labs["theirs"].pk}"' not in page
    assert client.get(reverse("plugin_app:lab_detail", args=[labs["ours"][0].pk])).status_code == 200
    assert client.get(reverse("plugin_app:lab_detail", args=[labs["theirs"].pk])).status_code == 404
    assert client.get(reverse("plugin_app:lab_detail", args=[labs["classroom"].pk])).status_code == 404


def test_the_coverage_page_counts_and_closes_the_plugins_rule(uni, office, inspector):
    client = _client(office)
    html = client.get(reverse("org:coverage"), {"on": "2024-03-01"}).content.decode()
    assert f'data-count="{LAB_WATCH_RULE}">1<' in html
    assert f'data-gap="{LAB_WATCH_RULE}-2024-03-01"' in html and "无实验室检查员的日期（测试插件）" in html
    report = coverage_report(day=DAY, scope=Scope(everything=True))
    assert report.counts[LAB_WATCH_RULE] == 1
    # A college's scope does not answer for the school's days.
    assert coverage_report(day=DAY, scope=Scope(unit_paths=(uni.college.path,))).counts[LAB_WATCH_RULE] == 0

    Assignment.objects.create(staff=inspector, role=LAB_INSPECTOR, place=uni.campus, start_date=DAY, end_date=DAY)
    html = client.get(reverse("org:coverage"), {"on": "2024-03-01"}).content.decode()
    assert f'data-count="{LAB_WATCH_RULE}">0<' in html
    assert f'data-count="{LAB_WATCH_RULE}">1<' in client.get(reverse("org:coverage"), {"on": "2024-03-02"}).content.decode()
    body = api_client(office).get("/api/v1/org/coverage-gaps/", {"on": "2024-03-02"}).json()
    assert body["counts"][LAB_WATCH_RULE] == 1
    assert {"kind": LAB_WATCH_RULE, "role": LAB_INSPECTOR, "day": "2024-03-02"} in body["days"]


def test_the_authorization_matrix_covers_the_plugins_pages():
    names, _unnamed = url_names()
    declared = {entry.name for entry in all_entries()}
    assert {"plugin_app:lab_list", "plugin_app:lab_detail"} <= names & declared
