"""Coverage gaps: the rules, the date, the filters, the fixed query count, the export and
the home tile, and the hook that lets another app say who is on campus."""

from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from fangxian.audit.models import SecurityEvent
from fangxian.org import coverage
from fangxian.org.coverage import GapKind, coverage_report, students_without_one_to_one
from fangxian.org.models import AssignmentRole, Student
from fangxian.org.scope import EMPTY, Scope, scope_of
from fangxian.org.testing import PlaceFactory, StudentFactory, UnitFactory
from fangxian.privacy.exports import holds
from fangxian.privacy.testing import assert_watermarked, last_export_record

EVERYTHING = Scope(everything=True)
DAY = date(2024, 3, 1)


def _names(report, kind):
    return sorted(gap.node.name for gap in report.gaps.get(kind, []))


def test_the_mini_university_has_the_expected_gaps(uni):
    report = coverage_report(day=DAY, scope=EVERYTHING)
    assert _names(report, GapKind.CLASS_TEACHER) == sorted([uni.klass.name, uni.other_klass.name])
    assert _names(report, GapKind.CLASS_COUNSELOR) == []  # both grades have a counselor
    assert _names(report, GapKind.GRADE_RESPONSIBLE) == ["2021级", "2021级"]
    assert _names(report, GapKind.MAJOR_RESPONSIBLE) == sorted([uni.major.name, uni.other_major.name])
    assert _names(report, GapKind.COLLEGE_LEADER) == sorted([uni.college.name, uni.other_college.name])
    assert _names(report, GapKind.CAMPUS_LEADER) == [uni.campus.name]
    assert _names(report, GapKind.BUILDING_MANAGER) == [uni.building.name]
    assert report.student_count == 5


def test_assignments_close_gaps_and_a_counselor_on_the_major_covers_its_classes(uni):
    uni.assign(uni.counselor, AssignmentRole.CLASS_TEACHER, unit=uni.klass)
    uni.assign(uni.counselor, AssignmentRole.LEADER, place=uni.campus)
    uni.assign(uni.counselor, AssignmentRole.BUILDING_MANAGER, place=uni.building)
    uni.assign(uni.counselor, AssignmentRole.ONE_TO_ONE, student=uni.students[0])
    new_class = UnitFactory(kind="class", name="临床2021级2班", parent=uni.grade)
    lonely_grade = UnitFactory(kind="grade", name="2022级", parent=uni.other_major)
    lonely_class = UnitFactory(kind="class", name="汉语言2022级1班", parent=lonely_grade)
    report = coverage_report(day=DAY, scope=EVERYTHING)
    assert uni.klass.name not in _names(report, GapKind.CLASS_TEACHER)
    assert _names(report, GapKind.CLASS_COUNSELOR) == [lonely_class.name]
    uni.assign(uni.other_counselor, AssignmentRole.COUNSELOR, unit=uni.other_major)
    report = coverage_report(day=DAY, scope=EVERYTHING)
    assert _names(report, GapKind.CLASS_COUNSELOR) == []
    assert new_class.name in _names(report, GapKind.CLASS_TEACHER)
    assert GapKind.CAMPUS_LEADER not in report.gaps and GapKind.BUILDING_MANAGER not in report.gaps
    assert report.student_count == 4


def test_the_date_matters(uni):
    uni.assign(uni.counselor, AssignmentRole.CLASS_TEACHER, unit=uni.klass, start_date=date(2024, 9, 1))
    assert uni.klass.name in _names(coverage_report(day=DAY, scope=EVERYTHING), GapKind.CLASS_TEACHER)
    assert uni.klass.name not in _names(coverage_report(day=date(2024, 9, 1), scope=EVERYTHING), GapKind.CLASS_TEACHER)
    # Before the counselors started, every class also lacked a counselor.
    assert len(_names(coverage_report(day=date(2021, 12, 31), scope=EVERYTHING), GapKind.CLASS_COUNSELOR)) == 2


def test_archived_nodes_and_students_without_a_bed_are_not_gaps(uni):
    Student.objects.filter(pk=uni.students[0].pk).update(bed=None)
    Student.objects.filter(pk=uni.students[1].pk).update(status="graduated")
    archived = UnitFactory(kind="class", name="旧班", parent=uni.grade)
    archived.archived_at = archived.created_at
    archived.save()
    report = coverage_report(day=DAY, scope=EVERYTHING)
    assert "旧班" not in _names(report, GapKind.CLASS_TEACHER)
    assert report.student_count == 3


def test_filters_by_college_and_campus(uni):
    other_campus = PlaceFactory(kind="campus", name="医学校区", institution=uni.institution)
    uni.other_college.campus = other_campus
    uni.other_college.save()
    by_college = coverage_report(day=DAY, scope=EVERYTHING, college=uni.college)
    assert _names(by_college, GapKind.CLASS_TEACHER) == [uni.klass.name]
    assert not by_college.spatial_included and GapKind.CAMPUS_LEADER not in by_college.gaps
    assert by_college.student_count == 3
    by_campus = coverage_report(day=DAY, scope=EVERYTHING, campus=other_campus)
    assert _names(by_campus, GapKind.CLASS_TEACHER) == [uni.other_klass.name]  # inherited from its college
    assert _names(by_campus, GapKind.CAMPUS_LEADER) == ["医学校区"]
    assert by_campus.student_count == 0  # nobody sleeps on that campus


def test_a_college_admin_sees_the_gaps_of_their_college(uni):
    report = coverage_report(day=DAY, scope=scope_of(uni.college_admin_user))
    assert _names(report, GapKind.CLASS_TEACHER) == [uni.klass.name]
    assert GapKind.CAMPUS_LEADER not in report.gaps
    assert report.student_count == 3
    assert coverage_report(day=DAY, scope=EMPTY).total == 0


def test_query_count_is_fixed_whatever_the_size(uni):
    def count():
        with CaptureQueriesContext(connection) as captured:
            report = coverage_report(day=DAY, scope=EVERYTHING)
            list(report.students[:50])
        return len(captured), report.total

    small, total_small = count()
    for n in range(5):
        grade = UnitFactory(kind="grade", name=f"20{n}级", parent=uni.major)
        klass = UnitFactory(kind="class", name=f"班{n}", parent=grade)
        room = PlaceFactory(kind="room", name=f"2{n}", parent=uni.building, institution=uni.institution)
        for b in range(4):
            StudentFactory(klass=klass, bed=PlaceFactory(kind="bed", name=f"{b}", parent=room, institution=uni.institution))
    large, total_large = count()
    # Six for the organisation's rules, and one for each calendar rule another app registers
    # (a calendar rule reads its role's time-bound assignments over its horizon, once).
    calendars = sum(isinstance(rule, coverage.CalendarRule) for rule in coverage.coverage_rules())
    assert small == large <= 6 + calendars
    assert total_large > total_small


def test_the_student_population_is_a_hook(uni, monkeypatch):
    before = students_without_one_to_one(day=DAY).count()
    # A copy of the registry, so that the ledger's own registration survives this test.
    monkeypatch.setattr(coverage, "_population", list(coverage._population))
    coverage.register_student_population(lambda day: Student.objects.filter(pk=uni.students[0].pk))
    assert list(students_without_one_to_one(day=DAY)) == [uni.students[0]]
    monkeypatch.undo()
    assert students_without_one_to_one(day=DAY).count() == before


@pytest.fixture
def office_client(uni, office, login):
    return login(office)


def test_page_lists_gaps_with_assign_links(uni, office_client):
    html = office_client.get(reverse("org:coverage"), {"on": "2024-03-01"}).content.decode()
    assert f'data-gap="class_teacher-{uni.klass.pk}"' in html
    assert f"unit={uni.klass.pk}&amp;role=class_teacher" in html
    assert 'data-count="one_to_one">5<' in html


def test_export_is_xlsx_with_formula_cells_as_text_and_is_recorded(uni, office_client):
    Student.objects.filter(pk=uni.students[0].pk).update(name='=HYPERLINK("http://x")')
    response = office_client.get(reverse("org:coverage_export"), {"on": "2024-03-01", "college": uni.college.pk})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(BytesIO(response.content))
    students = workbook.worksheets[1]
    names = [row[1].value for row in students.iter_rows(min_row=3)]  # under the watermark and the header
    assert '=HYPERLINK("http://x")' in names
    cell = next(row[1] for row in students.iter_rows(min_row=3) if row[1].value.startswith("="))
    assert cell.data_type == "s" and cell.quotePrefix
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    gap_rows = workbook.worksheets[0].max_row - 2
    assert event.detail["rows"] == gap_rows + 3
    assert_watermarked(response, response.wsgi_request.user)
    record = last_export_record(response.wsgi_request.user)
    assert record.export == "coverage_gaps" and holds(record.held["student"], uni.students[0].pk)
    assert event.detail["filters"] == {"on": "2024-03-01", "campus": None, "college": uni.college.pk}


def test_home_tile_for_the_prevention_office_only(uni, office_client, login):
    html = office_client.get(reverse("web:home")).content.decode()
    assert "覆盖缺口" in html and reverse("org:coverage") in html
    assert "覆盖缺口" not in login(uni.counselor_user).get(reverse("web:home")).content.decode()


def test_navigation_shows_what_each_role_may_use(uni, office_client, login):
    office_nav = office_client.get(reverse("web:home")).content.decode()
    for key in ("org", "people", "assignments", "coverage"):
        assert f'data-nav="{key}"' in office_nav
    counselor_nav = login(uni.counselor_user).get(reverse("web:home")).content.decode()
    assert 'data-nav="people"' in counselor_nav and 'data-nav="coverage"' not in counselor_nav
    student_nav = login(uni.student_user).get(reverse("web:home")).content.decode()
    assert 'data-nav="org"' not in student_nav and 'data-nav="people"' not in student_nav
