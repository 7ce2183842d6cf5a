"""Assignments: who may assign what, hand over, end, history on a date, autocomplete scope."""

from datetime import date

import pytest
from django.urls import reverse

from fangxian.org.models import Assignment, AssignmentRole
from fangxian.org.services import responsible_on


@pytest.fixture
def office_client(uni, office, login):
    return login(office)


def test_office_assigns_a_class_teacher(uni, office_client):
    data = {"role": "class_teacher", "staff": uni.counselor.pk, "unit": uni.klass.pk, "start_date": "2024-09-01"}
    response = office_client.post(reverse("org:assignment_create"), data)
    assert response.status_code == 302 and response["Location"] == reverse("org:unit_detail", args=[uni.klass.pk])
    assignment = Assignment.objects.get(role="class_teacher")
    assert assignment.staff == uni.counselor and assignment.created_by.username == "office1"


def test_a_role_that_does_not_fit_the_target_is_refused_in_chinese(uni, office_client):
    data = {"role": "class_teacher", "staff": uni.counselor.pk, "unit": uni.grade.pk, "start_date": "2024-09-01"}
    response = office_client.post(reverse("org:assignment_create"), data)
    assert "该职责不能设在 2021级 上。" in response.content.decode()
    assert not Assignment.objects.filter(role="class_teacher").exists()


def test_an_end_before_the_start_is_refused(uni, office_client):
    data = {"role": "class_teacher", "staff": uni.counselor.pk, "unit": uni.klass.pk, "start_date": "2024-09-01", "end_date": "2024-08-01"}
    response = office_client.post(reverse("org:assignment_create"), data)
    assert "职责的结束日期不能早于开始日期。" in response.content.decode()
    assert not Assignment.objects.filter(role="class_teacher").exists()


def test_college_admin_assigns_counselors_in_their_college_only(uni, login):
    client = login(uni.college_admin_user)
    form = client.get(reverse("org:assignment_create")).content.decode()
    assert 'value="counselor"' in form and 'value="leader"' not in form
    ok = {"role": "one_to_one", "staff": uni.counselor.pk, "student": uni.students[0].pk, "start_date": "2024-09-01"}
    assert client.post(reverse("org:assignment_create"), ok).status_code == 302
    outside = {**ok, "student": uni.other_students[0].pk}
    assert client.post(reverse("org:assignment_create"), outside).status_code == 200
    leader = {"role": "leader", "staff": uni.counselor.pk, "unit": uni.college.pk, "start_date": "2024-09-01"}
    assert client.post(reverse("org:assignment_create"), leader).status_code == 200
    assert Assignment.objects.filter(role__in=["one_to_one", "leader"]).count() == 1


def test_a_link_to_an_out_of_scope_target_is_404(uni, login):
    client = login(uni.college_admin_user)
    assert client.get(reverse("org:assignment_create"), {"unit": uni.other_klass.pk}).status_code == 404
    assert client.get(reverse("org:assignment_create"), {"unit": uni.klass.pk}).status_code == 200


def test_handover_keeps_who_was_responsible_on_each_day(uni, office_client):
    assignment = uni.counselor.assignments.get()
    response = office_client.post(
        reverse("org:assignment_handover", args=[assignment.pk]), {"to_staff": uni.college_admin.pk, "on": "2024-03-01"}
    )
    assert response.status_code == 302
    before = responsible_on(role=AssignmentRole.COUNSELOR, day=date(2024, 2, 29), unit=uni.grade)
    after = responsible_on(role=AssignmentRole.COUNSELOR, day=date(2024, 3, 1), unit=uni.grade)
    assert [a.staff for a in before] == [uni.counselor]
    assert [a.staff for a in after] == [uni.college_admin]
    html = office_client.get(reverse("org:unit_detail", args=[uni.grade.pk]), {"on": "2024-02-29"}).content.decode()
    assert uni.counselor.name in html.split('data-testid="in-force"')[1].split("</ul>")[0]


def test_handover_on_the_first_day_is_refused(uni, office_client):
    assignment = uni.counselor.assignments.get()
    response = office_client.post(
        reverse("org:assignment_handover", args=[assignment.pk]), {"to_staff": uni.college_admin.pk, "on": "2022-01-01"}
    )
    assert "移交日期必须晚于职责开始日期。" in response.content.decode()
    assert Assignment.objects.filter(role="counselor", unit=uni.grade).count() == 1


def test_end_an_assignment(uni, office_client):
    assignment = uni.counselor.assignments.get()
    office_client.post(reverse("org:assignment_end", args=[assignment.pk]), {"end_date": "2023-06-30"})
    assignment.refresh_from_db()
    assert assignment.end_date == date(2023, 6, 30)


def test_counselor_reads_but_cannot_end_their_own_assignment(uni, login):
    client = login(uni.counselor_user)
    assignment = uni.counselor.assignments.get()
    assert client.get(reverse("org:assignment_list")).status_code == 200
    assert client.post(reverse("org:assignment_end", args=[assignment.pk]), {"end_date": "2023-06-30"}).status_code == 403


def test_list_filters_by_date(uni, office_client):
    html = office_client.get(reverse("org:assignment_list"), {"on": "2021-01-01"}).content.decode()
    assert uni.counselor.name not in html
    html = office_client.get(reverse("org:assignment_list"), {"on": "2023-01-01", "role": "counselor"}).content.decode()
    assert uni.counselor.name in html and uni.college_admin.name not in html


def test_autocomplete_is_scoped(uni, login):
    counselor = login(uni.counselor_user)
    found = counselor.get(reverse("org:ac_students"), {"q": "2021"}).content.decode()
    assert all(s.student_number in found for s in uni.students)
    assert not any(s.student_number in found for s in uni.other_students)
    units = counselor.get(reverse("org:ac_units"), {"q": "2021级"}).content.decode()
    assert f'data-ac-choice="{uni.grade.pk}"' in units and f'data-ac-choice="{uni.other_grade.pk}"' not in units
    staff = login(uni.college_admin_user).get(reverse("org:ac_staff"), {"q": "郑强"}).content.decode()
    assert "郑强" not in staff  # a counselor of the other college


def test_autocomplete_offers_only_free_beds_and_fitting_parents(uni, office, login):
    client = login(office)
    beds = client.get(reverse("org:ac_places"), {"q": "床", "kinds": "bed", "free": "1"}).content.decode()
    assert f'data-ac-choice="{uni.beds[3].pk}"' in beds and f'data-ac-choice="{uni.beds[0].pk}"' not in beds
    parents = client.get(reverse("org:ac_units"), {"q": "2021", "kinds": "grade", "exclude": uni.grade.pk}).content.decode()
    assert f'data-ac-choice="{uni.other_grade.pk}"' in parents and f'data-ac-choice="{uni.grade.pk}"' not in parents
