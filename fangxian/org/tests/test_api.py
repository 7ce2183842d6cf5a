"""/api/v1/org/: scoped, masked, the same services as the pages, in the OpenAPI schema."""

from datetime import date

import pytest

from fangxian.org.models import Assignment
from fangxian.testing import api_client as _client


def test_students_are_scoped_and_masked(uni):
    body = _client(uni.counselor_user).get("/api/v1/org/students/").json()
    assert {row["id"] for row in body["results"]} == {s.pk for s in uni.students}
    row = body["results"][0]
    student = next(s for s in uni.students if s.pk == row["id"])
    assert row["id_number"] == student.id_number_masked and row["phone"] == student.phone_masked


def test_out_of_scope_is_404(uni):
    client = _client(uni.counselor_user)
    assert client.get(f"/api/v1/org/students/{uni.other_students[0].pk}/").status_code == 404
    assert client.get(f"/api/v1/org/units/{uni.other_klass.pk}/").status_code == 404
    assert client.get(f"/api/v1/org/units/{uni.klass.pk}/").status_code == 200


def test_create_end_and_hand_over(uni, office):
    client = _client(office)
    created = client.post(
        "/api/v1/org/assignments/",
        {"staff": uni.counselor.pk, "role": "class_teacher", "unit": uni.klass.pk, "start_date": "2024-09-01"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    handed = client.post(f"/api/v1/org/assignments/{pk}/handover/", {"to_staff": uni.college_admin.pk, "on": "2024-10-01"}, format="json")
    assert handed.status_code == 201 and handed.json()["staff"] == uni.college_admin.pk
    assert Assignment.objects.get(pk=pk).end_date == date(2024, 9, 30)
    ended = client.post(f"/api/v1/org/assignments/{handed.json()['id']}/end/", {"end_date": "2024-12-31"}, format="json")
    assert ended.status_code == 200 and ended.json()["end_date"] == "2024-12-31"


def test_bad_input_is_400_with_the_reason(uni, office):
    client = _client(office)
    response = client.post(
        "/api/v1/org/assignments/",
        {"staff": uni.counselor.pk, "role": "class_teacher", "unit": uni.grade.pk, "start_date": "2024-09-01"},
        format="json",
    )
    assert response.status_code == 400
    assert not Assignment.objects.filter(role="class_teacher").exists()


def test_college_admin_cannot_create_outside_their_college_or_a_leader(uni):
    client = _client(uni.college_admin_user)
    outside = {"staff": uni.counselor.pk, "role": "class_teacher", "unit": uni.other_klass.pk, "start_date": "2024-09-01"}
    assert client.post("/api/v1/org/assignments/", outside, format="json").status_code == 400
    leader = {"staff": uni.counselor.pk, "role": "leader", "unit": uni.college.pk, "start_date": "2024-09-01"}
    assert client.post("/api/v1/org/assignments/", leader, format="json").status_code == 403


@pytest.mark.parametrize("username", ["inspector", "leader"])
def test_read_only_roles_cannot_write(uni, make_user, username):
    user = make_user(username, "discipline" if username == "inspector" else "leader")
    client = _client(user)
    assert client.get("/api/v1/org/assignments/").status_code == 200
    pk = uni.counselor.assignments.get().pk
    assert client.post(f"/api/v1/org/assignments/{pk}/end/", {"end_date": "2024-01-01"}, format="json").status_code == 403


def test_coverage_gaps(uni, office):
    body = _client(office).get("/api/v1/org/coverage-gaps/", {"on": "2024-03-01"}).json()
    assert body["counts"]["class_teacher"] == 2
    assert {"kind": "class_teacher", "target_type": "unit", "target_id": uni.klass.pk}.items() <= next(
        gap for gap in body["gaps"] if gap["target_id"] == uni.klass.pk and gap["kind"] == "class_teacher"
    ).items()
    assert sorted(body["students_without_one_to_one"]) == sorted(s.pk for s in [*uni.students, *uni.other_students])
    assert _client(uni.counselor_user).get("/api/v1/org/coverage-gaps/").status_code == 403


def test_the_schema_documents_the_org_endpoints(office):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in (
        "/api/v1/org/units/",
        "/api/v1/org/places/",
        "/api/v1/org/students/{id}/",
        "/api/v1/org/staff/",
        "/api/v1/org/assignments/{id}/handover/",
        "/api/v1/org/coverage-gaps/",
    ):
        assert path in paths, path
