"""Phone numbers on the student and staff forms: a Chinese mobile or landline, or nothing
is stored (a number like 12345 was)."""

import pytest
from django.urls import reverse

from fangxian.org.forms import PhoneField
from fangxian.org.models import Staff, Student
from fangxian.org.testing import make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_client(uni, office, login):
    return login(office)


def _student(uni, phone):
    return {
        "student_number": "2099000001",
        "name": "李新",
        "gender": "M",
        "id_number": make_id_number(),
        "phone": phone,
        "klass": uni.klass.pk,
        "bed": uni.beds[3].pk,
        "status": "enrolled",
    }


def _staff(uni, phone):
    return {
        "staff_number": "T990001",
        "name": "王新",
        "gender": "F",
        "id_number": make_id_number(),
        "phone": phone,
        "unit": uni.college.pk,
        "title": "辅导员",
        "is_active": "on",
    }


@pytest.mark.parametrize("phone", ["12345", "1390000111", "23900001111", "139-0000-111x", "0931-12"])
def test_a_number_that_is_no_phone_is_refused_in_chinese(uni, office_client, phone):
    response = office_client.post(reverse("org:student_create"), _student(uni, phone))
    assert response.status_code == 200 and "不是电话号码" in response.content.decode()
    assert not Student.objects.filter(student_number="2099000001").exists()
    response = office_client.post(reverse("org:staff_create"), _staff(uni, phone))
    assert response.status_code == 200 and "不是电话号码" in response.content.decode()
    assert not Staff.objects.filter(staff_number="T990001").exists()


def test_mobiles_and_landlines_are_stored_plainly(uni, office_client):
    response = office_client.post(reverse("org:student_create"), _student(uni, "+86 139 0000 1111"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Student.objects.get(student_number="2099000001").phone == "13900001111"
    response = office_client.post(reverse("org:staff_create"), _staff(uni, "0931-8123456"))
    assert response.status_code == 302
    assert Staff.objects.get(staff_number="T990001").phone == "0931-8123456"


def test_the_field():
    field = PhoneField(required=False)
    assert field.clean("") == "" and field.clean("010 12345678") == "01012345678" and field.clean("0086-13900001111") == "13900001111"
