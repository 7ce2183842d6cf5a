"""Dashboard pages: scope (404 outside it), constant query count, exports, notices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fangxian.audit.models import SecurityEvent
from fangxian.dashboard import rollup
from fangxian.dashboard.models import ClassDay
from fangxian.dashboard.reconcile import IN_UNEXPECTED, ON_LEAVE, OUT_NOT_BACK, reconcile, reconcile_many
from fangxian.gates import services as gate_services
from fangxian.gates.models import LeaveApplication
from fangxian.gates.selectors import college_staff
from fangxian.ledger.tests.conftest import REASONS  # noqa: F401  (same reasons as the ledger's)
from fangxian.notify.models import Notification
from fangxian.org.models import AssignmentRole
from fangxian.org.testing import StudentFactory, UnitFactory

# The overview's own figures, plus about one query for each module's dashboard tiles (duty,
# incidents, hazards, screening, care, notices and supervision add theirs); fixed whatever
# the size of the data (the test's first half).
PAGE_QUERY_LIMIT = 40


@pytest.fixture
def leader(make_user):
    return make_user("leader1", "leader")


@pytest.fixture
def planted(dash):
    """One student of 医学院 scanned out and not back; one of 文学院 scanned in, not in the ledger."""
    uni = dash.uni
    uni.assign(uni.counselor, AssignmentRole.ONE_TO_ONE, student=uni.students[1])
    dash.scan(uni.students[1], "out")
    dash.scan(uni.other_students[1], "in")
    rollup.refresh_day(dash.today)
    return dash


def test_reconciliation_names_the_students_behind_each_difference(planted):
    uni = planted.uni
    r = reconcile(uni.college, planted.today)
    assert (r.ledger, r.present, r.gate_gap, r.gate_unexplained) == (3, 2, -1, 0)
    assert [(n.reason, n.student.pk, n.staff) for n in r.named] == [(OUT_NOT_BACK, uni.students[1].pk, ["辅导员 刘洋"])]
    other = reconcile(uni.other_college, planted.today)
    assert [(n.reason, n.student.pk) for n in other.named] == [(IN_UNEXPECTED, uni.other_students[1].pk)]


def test_colleges_reconciled_together_as_one_by_one(planted, django_assert_max_num_queries):
    """The supervision rule reconciles every college of a day at once: the same figures and
    names as each college's own page, in the queries of one college (and one for each college
    that reported, for the ledger's changes after its report)."""
    from fangxian.dashboard.models import CollegeDay
    from fangxian.dashboard.supervision import unexplained_differences

    uni, day = planted.uni, planted.today
    CollegeDay.objects.filter(day=day, college_id=uni.college.pk).update(reported_headcount=5, reported_at=timezone.now())
    colleges = [uni.college, uni.other_college]
    together = reconcile_many(colleges, day)
    for college in colleges:
        alone = reconcile(college, day)
        mine = together[college.pk]
        assert (mine.ledger, mine.present, mine.reported, mine.gate_unexplained, mine.report_unexplained) == (
            alone.ledger,
            alone.present,
            alone.reported,
            alone.gate_unexplained,
            alone.report_unexplained,
        )
        assert [(n.reason, n.student.pk, n.staff, n.overdue) for n in mine.named] == [
            (n.reason, n.student.pk, n.staff, n.overdue) for n in alone.named
        ]
    assert together[uni.college.pk].report_unexplained == 2  # reported 5, the ledger says 3
    # The supervision rule: the college whose report is off by two, with the queries of a few.
    with django_assert_max_num_queries(16):
        proposals = list(unexplained_differences(day + timedelta(days=1)))
    assert [p.unit_id for p in proposals] == [uni.college.pk] and proposals[0].count == 2


def test_a_student_out_on_an_approved_leave_is_explained_not_missing(planted, client):
    """Scanned out on a leave that still runs: counted apart from "out, not back", named
    with its own reason, and the gate gap has no unexplained remainder."""
    uni = planted.uni
    now = timezone.now()
    leave = gate_services.leave_apply(
        student=uni.students[1], purpose="就医", destination="市医院", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=3)
    )
    leave = gate_services.leave_decide(leave=leave, staff=uni.counselor, approve=True)
    if leave.overnight:  # run after 21:00 or before 01:00 the leave crosses midnight: the college decides too
        gate_services.leave_decide(leave=leave, staff=college_staff(uni.students[1])[0], approve=True)
    rollup.refresh_day(planted.today)

    line = ClassDay.objects.get(day=planted.today, klass_id=uni.students[1].klass_id)
    assert (line.ledger, line.out_not_back, line.on_leave, line.present) == (3, 0, 1, 2)
    r = reconcile(uni.college, planted.today)
    assert [(n.reason, n.student.pk) for n in r.named] == [(ON_LEAVE, uni.students[1].pk)]
    assert (r.gate_gap, r.gate_unexplained) == (-1, 0)

    client.force_login(uni.college_admin_user)
    page = client.get(reverse("dashboard:reconcile_college", args=[uni.college.pk])).content.decode()
    assert 'data-reason="on_leave"' in page and "已批准外出" in page
    students = client.get(reverse("dashboard:klass", args=[uni.klass.pk])).content.decode()
    assert 'data-testid="on-leave"' in students

    # Once the leave has ended and the student is not back, they are out, not back, and overdue.
    LeaveApplication.objects.filter(pk=leave.pk).update(starts_at=now - timedelta(hours=5), ends_at=now - timedelta(hours=1))
    rollup.refresh_day(planted.today)
    line = ClassDay.objects.get(day=planted.today, klass_id=uni.students[1].klass_id)
    assert (line.out_not_back, line.on_leave, line.overdue) == (1, 0, 1)


def test_college_admin_sees_their_college_and_gets_404_outside(planted, client):
    uni = planted.uni
    client.force_login(uni.college_admin_user)
    page = client.get(reverse("dashboard:overview"))
    assert page.status_code == 200
    names = [line.name for line in page.context["summary"].lines]
    assert names == ["医学院"]
    assert client.get(reverse("dashboard:college", args=[uni.college.pk])).status_code == 200
    assert client.get(reverse("dashboard:college", args=[uni.other_college.pk])).status_code == 404
    assert client.get(reverse("dashboard:klass", args=[uni.other_klass.pk])).status_code == 404
    assert client.get(reverse("dashboard:reconcile_college", args=[uni.other_college.pk])).status_code == 404
    assert client.get(reverse("dashboard:export_class", args=[uni.other_klass.pk])).status_code == 404
    students = client.get(reverse("dashboard:klass", args=[uni.klass.pk]))
    assert uni.students[1].name in students.content.decode()


def test_a_leader_sees_every_college_and_a_counselor_none(planted, client, leader):
    client.force_login(leader)
    page = client.get(reverse("dashboard:overview"))
    assert [line.name for line in page.context["summary"].lines] == ["医学院", "文学院"]
    assert page.context["summary"].total("out_not_back") == 1
    client.force_login(planted.uni.counselor_user)
    assert client.get(reverse("dashboard:overview")).status_code == 403


def test_a_campus_leader_sees_their_campus_share_of_every_college(planted, client):
    """A leader posted to a campus (包抓校区) reads the rows of that campus: the colleges with
    students there, counted there, down to the students who live there; not another
    campus's students, not the whole college's reconciliation."""
    from fangxian.org.models import Place
    from fangxian.org.testing import PlaceFactory, StaffFactory, UserFactory

    uni, ledger = planted.uni, planted.ledger
    north = PlaceFactory(kind=Place.Kind.CAMPUS, name="北校区", institution=uni.institution)
    building = PlaceFactory(kind=Place.Kind.BUILDING, name="北1号楼", parent=north, institution=uni.institution, use="dorm", gender="M")
    [far] = ledger.add_students(1, klass=uni.klass, building=building)
    ledger.on_campus(far)
    rollup.refresh_day(planted.today)
    user = UserFactory(username="campusleader")
    uni.assign(StaffFactory(unit=uni.security_office, name="校区负责人 周", user=user), AssignmentRole.LEADER, place=uni.campus)
    client.force_login(user)

    page = client.get(reverse("dashboard:overview"))
    assert page.status_code == 200
    summary = page.context["summary"]
    assert [(line.name, line.ledger, line.whole) for line in summary.lines] == [("医学院", 3, False), ("文学院", 1, False)]
    assert [c.pk for c in summary.campuses] == [uni.campus.pk] and summary.sees_gates
    assert summary.scans == 2  # the planted scans at the east gate of their campus

    college = client.get(reverse("dashboard:college", args=[uni.college.pk]))
    assert college.status_code == 200 and 'data-testid="campus-share"' in college.content.decode()
    assert [(line.name, line.ledger) for line in college.context["lines"]] == [(uni.klass.name, 3)]
    students = client.get(reverse("dashboard:klass", args=[uni.klass.pk])).content.decode()
    assert uni.students[1].name in students and far.name not in students
    assert client.get(reverse("dashboard:reconcile_college", args=[uni.college.pk])).status_code == 404
    reconciliation = client.get(reverse("dashboard:reconcile")).content.decode()
    assert f'href="/dashboard/reconcile/{uni.college.pk}/' not in reconciliation and "医学院" in reconciliation

    # The college's own admin still reads the whole college, on both campuses.
    client.force_login(uni.college_admin_user)
    lines = client.get(reverse("dashboard:overview")).context["summary"].lines
    assert [(line.name, line.ledger, line.whole) for line in lines] == [("医学院", 4, True)]


def test_the_overview_costs_the_same_queries_whatever_the_data(planted, client, leader, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(leader)
    client.get(reverse("dashboard:overview"))  # warm the per-user caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("dashboard:overview")).status_code == 200
    # Ten more colleges with a class and students on campus, and more scans.
    uni, ledger = planted.uni, planted.ledger
    for n in range(10):
        college = UnitFactory(kind="college", name=f"学院{n}", parent=uni.institution)
        klass = UnitFactory(kind="class", name=f"班{n}", parent=college)
        for student in ledger.add_students(3, klass=klass):
            ledger.on_campus(student)
            planted.scan(student, "out")
    rollup.refresh_day(planted.today)
    with django_assert_max_num_queries(PAGE_QUERY_LIMIT), CaptureQueriesContext(connection) as large:
        page = client.get(reverse("dashboard:overview"))
    assert page.status_code == 200 and len(page.context["summary"].lines) == 12
    assert len(large) == len(small)


def test_exports_are_xlsx_and_recorded(planted, client, leader):
    client.force_login(leader)
    for url in [
        reverse("dashboard:export_colleges"),
        reverse("dashboard:export_college", args=[planted.uni.college.pk]),
        reverse("dashboard:export_class", args=[planted.uni.klass.pk]),
        reverse("dashboard:export_reconcile", args=[planted.uni.college.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200 and response.content[:2] == b"PK"
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT)
    assert sorted(e.detail["export"] for e in events) == [
        "dashboard.classes",
        "dashboard.colleges",
        "dashboard.reconcile",
        "dashboard.students",
    ]


def test_one_click_notice_reaches_the_responsible_staff_member(planted, client):
    uni = planted.uni
    client.force_login(uni.college_admin_user)
    url = reverse("dashboard:reconcile_notify", args=[uni.college.pk])
    response = client.post(url, {"day": planted.today.isoformat(), "student": uni.students[1].pk, "reason": OUT_NOT_BACK})
    assert response.status_code == 302
    notice = Notification.objects.get(user=uni.counselor_user)
    assert uni.students[1].name in notice.title
    assert "扫码外出未返回" in notice.body
    # A student the reconciliation does not name cannot be notified about.
    bogus = client.post(url, {"day": planted.today.isoformat(), "student": StudentFactory(klass=uni.klass).pk, "reason": OUT_NOT_BACK})
    assert bogus.status_code == 404


def test_api_summary_is_scoped(planted, client):
    client.force_login(planted.uni.college_admin_user)
    data = client.get(reverse("api-dashboard-summary")).json()
    assert [(c["name"], c["ledger"], c["present"]) for c in data["colleges"]] == [("医学院", 3, 2)]


def test_colleges_that_did_not_report_show_not_reported_not_zero(planted, client, leader):
    import io

    from openpyxl import load_workbook

    from fangxian.dashboard import charts, selectors

    client.force_login(leader)
    page = client.get(reverse("dashboard:overview"))
    summary = page.context["summary"]
    assert summary.reported is None and summary.reported_units == 0
    tile = next(t for t in page.context["tiles"] if t.key == "reported")
    assert (tile.value, tile.note) == ("未报", "来自0/2个学院的日报")
    assert charts.by_college(selectors.summary(leader, planted.today))["series"][1]["data"] == [None, None]
    export = client.get(reverse("dashboard:export_colleges"))
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [row[2] for row in rows if row and row[0] in ("医学院", "文学院")] == ["未报", "未报"]
