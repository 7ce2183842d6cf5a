from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from fangxian.reports.models import IdempotencyKey, Submission, SubmissionRevision


def body(rep, **overrides):
    payload = {"form": "college-daily", "unit": rep.uni.college.pk, "day": timezone.localdate().isoformat(), **rep.zero_report()}
    payload.update(overrides)
    return payload


@pytest.fixture
def api(rep):
    client = APIClient()
    client.force_authenticate(rep.uni.college_admin_user)
    return client


def test_forms_are_listed_with_their_questions(api):
    forms = api.get("/api/v1/reports/forms/").json()
    assert [f["code"] for f in forms] == ["college-daily"]
    assert forms[0]["schema"]["sections"][0]["key"] == "headcount"


def test_submit_then_retry_with_the_same_key(api, rep):
    first = api.post("/api/v1/reports/submissions/", body(rep), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.json()
    again = api.post("/api/v1/reports/submissions/", body(rep), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Submission.objects.count() == 1 and SubmissionRevision.objects.count() == 1


def test_same_key_with_another_body_is_refused_and_stores_nothing(api, rep):
    api.post("/api/v1/reports/submissions/", body(rep), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    changed = body(
        rep,
        data={"headcount": {"total": 3, "male": 3, "female": 0}, "safety": {"incidents": 2}},
        zero_sections=["catering", "mood", "other"],
    )
    refused = api.post("/api/v1/reports/submissions/", changed, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert refused.status_code == 422
    assert "Idempotency-Key" in refused.json()["detail"] and "不同" in refused.json()["detail"]
    assert Submission.objects.get().revision_count == 1


def test_bad_input_is_a_400_with_field_messages(api, rep):
    response = api.post(
        "/api/v1/reports/submissions/", body(rep, data={"headcount": {"total": "abc", "male": 3, "female": 0}}), format="json"
    )
    assert response.status_code == 400
    assert "整数" in response.json()["headcount.total"][0]
    assert not Submission.objects.exists()


def test_unit_outside_scope_is_refused(api, rep):
    response = api.post("/api/v1/reports/submissions/", body(rep, unit=rep.uni.other_college.pk), format="json")
    assert response.status_code == 400
    assert response.json()["unit"] == ["该单位不存在或不是你负责报送的单位。"]
    missing = api.post("/api/v1/reports/submissions/", body(rep, unit=999999), format="json")
    assert missing.json()["unit"] == response.json()["unit"]


def test_list_is_scoped(api, rep):
    other = APIClient()
    other.force_authenticate(rep.other_admin_user)
    theirs_body = body(rep, unit=rep.uni.other_college.pk, data={"headcount": {"total": 2, "male": 2, "female": 0}})
    assert other.post("/api/v1/reports/submissions/", theirs_body, format="json").status_code == 201
    api.post("/api/v1/reports/submissions/", body(rep), format="json")
    mine = api.get("/api/v1/reports/submissions/").json()["results"]
    assert [row["unit"] for row in mine] == [rep.uni.college.pk]
    theirs = Submission.objects.get(unit=rep.uni.other_college)
    assert api.get(f"/api/v1/reports/submissions/{theirs.pk}/").status_code == 404


def test_completeness(api, rep, office):
    api.post("/api/v1/reports/submissions/", body(rep), format="json")
    client = APIClient()
    client.force_authenticate(office)
    state = client.get("/api/v1/reports/completeness/", {"form": "college-daily"}).json()
    assert (state["expected"], state["submitted"], state["missing"]) == (2, 1, 1)
    assert state["missing_units"] == [{"id": rep.uni.other_college.pk, "name": "文学院"}]


def test_in_the_openapi_schema(office, verified_client):
    schema = verified_client(office).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/reports/submissions/" in schema["paths"]
    params = schema["paths"]["/api/v1/reports/submissions/"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)
    assert "/api/v1/reports/completeness/" in schema["paths"] and "/api/v1/reports/forms/" in schema["paths"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_key", [True, False])
def test_ten_parallel_identical_submits_make_one_submission(uni, headcount_prefill, with_key):
    from .conftest import Reporting

    rep = Reporting(uni)
    payload = body(rep)
    # See test_reminders: SQLite's in-memory test database cannot wait for another thread's
    # lock, so there the requests take turns; on PostgreSQL they really race.
    turn = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    start = threading.Barrier(10)

    def submit(_):
        client = APIClient()
        client.force_authenticate(rep.uni.college_admin_user)
        start.wait()
        try:
            with turn:
                headers = {"HTTP_IDEMPOTENCY_KEY": "same-key"} if with_key else {}
                return client.post("/api/v1/reports/submissions/", payload, format="json", **headers).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(pool.map(submit, range(10)))
    assert sorted(codes) == [200] * 9 + [201], codes
    assert Submission.objects.count() == 1
    assert SubmissionRevision.objects.count() == 1
    assert IdempotencyKey.objects.count() == (1 if with_key else 0)
