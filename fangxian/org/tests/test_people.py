"""Students and staff: lists, filters, query counts, forms with the GB 11643 check, masked
numbers and the audited reveal, linking an account."""

import pytest
from django.urls import reverse

from fangxian.audit.models import SecurityEvent
from fangxian.org.models import Student
from fangxian.org.testing import PlaceFactory, StudentFactory, make_id_number
from fangxian.testing import UserFactory


@pytest.fixture
def office_client(uni, office, login):
    return login(office)


def _student_data(uni, **overrides):
    data = {
        "student_number": "2099000001",
        "name": "李新",
        "gender": "M",
        "id_number": make_id_number(),
        "phone": "13900001111",
        "klass": uni.klass.pk,
        "bed": uni.beds[3].pk,
        "status": "enrolled",
    }
    data.update(overrides)
    return data


def test_list_masks_numbers_and_filters(uni, office_client):
    student = uni.students[0]
    html = office_client.get(reverse("org:student_list")).content.decode()
    assert student.id_number not in html and student.id_number_masked in html
    assert student.phone not in html and student.phone_masked in html
    html = office_client.get(reverse("org:student_list"), {"college": uni.other_college.pk}).content.decode()
    assert uni.other_students[0].student_number in html and student.student_number not in html
    html = office_client.get(reverse("org:student_list"), {"q": student.student_number}).content.decode()
    assert 'data-testid="total">1 名学生' in html


def test_filters_by_building_and_status(uni, office_client):
    Student.objects.filter(pk=uni.students[1].pk).update(status="suspended")
    html = office_client.get(reverse("org:student_list"), {"building": uni.building.pk, "status": "suspended"}).content.decode()
    assert uni.students[1].student_number in html and uni.students[0].student_number not in html


def test_counselor_list_holds_exactly_their_students(uni, login):
    html = login(uni.counselor_user).get(reverse("org:student_list")).content.decode()
    for student in uni.students:
        assert student.student_number in html
    for student in uni.other_students:
        assert student.student_number not in html


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_student_list_query_count_does_not_grow_with_rows(uni, office_client, django_assert_max_num_queries):
    url = reverse("org:student_list")
    few = _queries(office_client, url)
    for n in range(40):
        bed = PlaceFactory(kind="bed", name=f"加{n}", parent=uni.other_room, institution=uni.institution)
        StudentFactory(klass=uni.klass, bed=bed)
    with django_assert_max_num_queries(few):
        office_client.get(url)
    assert few <= 20


def test_staff_list_query_count_does_not_grow_with_rows(uni, office_client, django_assert_max_num_queries):
    from fangxian.org.testing import StaffFactory

    url = reverse("org:staff_list")
    few = _queries(office_client, url)
    for _n in range(40):
        StaffFactory(unit=uni.college, user=UserFactory())
    with django_assert_max_num_queries(few):
        office_client.get(url)
    assert few <= 20


def test_create_a_student(uni, office_client):
    response = office_client.post(reverse("org:student_create"), _student_data(uni))
    student = Student.objects.get(student_number="2099000001")
    assert response.status_code == 302
    assert student.bed == uni.beds[3] and student.institution == uni.institution


def test_wrong_check_digit_is_refused_with_a_clear_message(uni, office_client):
    good = make_id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = office_client.post(reverse("org:student_create"), _student_data(uni, id_number=bad))
    assert "身份证号校验码错误（GB 11643）" in response.content.decode()
    assert not Student.objects.filter(student_number="2099000001").exists()


def test_a_taken_bed_is_refused(uni, office_client):
    response = office_client.post(reverse("org:student_create"), _student_data(uni, bed=uni.beds[0].pk))
    html = response.content.decode()
    # The bed is not free, so it is not among the choices; the form says so and saves nothing.
    assert response.status_code == 200 and 'data-testid="field-error"' in html
    assert not Student.objects.filter(student_number="2099000001").exists()


def test_form_refuses_a_bed_of_another_student(uni):
    from fangxian.org.forms import StudentForm
    from fangxian.org.models import Place, Unit

    form = StudentForm(
        _student_data(uni, bed=uni.beds[0].pk),
        classes=Unit.objects.filter(kind="class"),
        beds=Place.objects.filter(kind="bed"),
    )
    assert not form.is_valid()
    assert form.errors["bed"] == ["该床位已被其他学生占用。"]


def test_duplicate_student_number_is_refused(uni, office_client):
    response = office_client.post(reverse("org:student_create"), _student_data(uni, student_number=uni.students[1].student_number))
    assert f"学号 {uni.students[1].student_number} 已被其他学生使用。" in response.content.decode()
    assert Student.objects.filter(student_number=uni.students[1].student_number).count() == 1


def test_edit_keeps_the_hidden_numbers_when_left_empty(uni, office_client):
    student = uni.students[0]
    data = _student_data(uni, student_number=student.student_number, name="改名", id_number="", phone="", bed=student.bed_id)
    assert office_client.post(reverse("org:student_edit", args=[student.pk]), data).status_code == 302
    old_id, old_phone = student.id_number, student.phone
    student.refresh_from_db()
    assert (student.name, student.id_number, student.phone) == ("改名", old_id, old_phone)
    form_html = office_client.get(reverse("org:student_edit", args=[student.pk])).content.decode()
    assert old_id not in form_html


def test_reveal_is_recorded_with_whose_data_and_which_field(uni, login):
    client = login(uni.counselor_user)
    student = uni.students[1]
    detail = client.get(reverse("org:student_detail", args=[student.pk])).content.decode()
    assert student.id_number not in detail and 'data-testid="reveal-id_number"' in detail
    url = reverse("org:student_reveal", args=[student.pk])
    # Without a reason nothing is shown and nothing recorded; "other" needs an explanation.
    for data in ({"field": "id_number"}, {"field": "id_number", "reason": "other"}):
        refused = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
        assert student.id_number not in refused and 'data-testid="reveal-error"' in refused
    assert client.post(url, {"field": "id_number"}).status_code == 400
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REVEAL).exists()
    data = {"field": "id_number", "reason": "other", "reason_text": "核对 学籍"}
    response = client.post(url, data, HTTP_HX_REQUEST="true", REMOTE_ADDR="10.1.2.3")
    assert student.id_number in response.content.decode()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.REVEAL)
    assert event.username == "counselor1" and event.ip_address == "10.1.2.3"
    assert event.detail == {
        "subject_type": "student",
        "subject_id": student.pk,
        "subject": student.name,
        "model": "org.student",
        "object_id": student.pk,
        "field": "id_number",
        "reason": "other",
        "reason_label": "其他（请在下方说明）",
        "reason_text": "核对 学籍",
    }


def test_reveal_outside_the_scope_is_404_and_unrecorded(uni, login):
    client = login(uni.counselor_user)
    response = client.post(reverse("org:student_reveal", args=[uni.other_students[0].pk]), {"field": "phone", "reason": "contact"})
    assert response.status_code == 404
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REVEAL).exists()


def test_discipline_inspection_sees_masked_numbers_and_cannot_reveal(uni, make_user, login):
    client = login(make_user("insp", "discipline"))
    student = uni.students[0]
    detail = client.get(reverse("org:student_detail", args=[student.pk])).content.decode()
    assert student.id_number_masked in detail and 'data-testid="reveal-id_number"' not in detail
    assert client.post(reverse("org:student_reveal", args=[student.pk]), {"field": "id_number", "reason": "verify"}).status_code == 403


def test_student_sees_their_own_record_and_no_other(uni, login):
    client = login(uni.student_user)
    assert client.get(reverse("org:student_detail", args=[uni.students[0].pk])).status_code == 200
    assert client.get(reverse("org:student_detail", args=[uni.students[1].pk])).status_code == 404
    assert client.get(reverse("org:student_list")).status_code == 403


def test_link_a_staff_member_to_an_account(uni, office_client):
    account = UserFactory(username="newteacher")
    staff = uni.other_counselor
    response = office_client.post(reverse("org:staff_link_user", args=[staff.pk]), {"username": "newteacher"})
    staff.refresh_from_db()
    assert response.status_code == 302 and staff.user == account


def test_an_account_belongs_to_one_person(uni, office_client):
    response = office_client.post(reverse("org:staff_link_user", args=[uni.other_counselor.pk]), {"username": "student1"}, follow=True)
    assert "该账号已属于" in response.content.decode()
    uni.other_counselor.refresh_from_db()
    assert uni.other_counselor.user == uni.other_counselor_user


def test_college_admin_creates_staff_in_their_college_only(uni, login):
    client = login(uni.college_admin_user)
    data = {"staff_number": "T90001", "name": "新老师", "gender": "F", "unit": uni.other_college.pk, "is_active": "on"}
    response = client.post(reverse("org:staff_create"), data)
    assert response.status_code == 200  # the other college is not a choice
    data["unit"] = uni.college.pk
    assert client.post(reverse("org:staff_create"), data).status_code == 302
