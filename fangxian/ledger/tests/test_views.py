"""Pages: scope (counselor sees only theirs, outsiders get 404), read-only roles,
the htmx status change, approvals, query counts that do not grow with the students."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangxian.ledger.models import LedgerEntry, StayApplication
from fangxian.ledger.models import Status as S
from fangxian.testing import UserFactory

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staying(ledger):
    uni = ledger.uni
    mine = [ledger.on_campus(s) for s in uni.students]
    theirs = [ledger.on_campus(s) for s in uni.other_students]
    return mine, theirs


def test_counselor_sees_only_their_students_and_outsiders_get_404(ledger, staying):
    uni = ledger.uni
    mine, theirs = staying
    client = login(uni.counselor_user)
    page = client.get(reverse("ledger:list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert all(e.student.name in body for e in mine)
    assert not any(e.student.name in body for e in theirs)
    phone = client.get(reverse("ledger:mine")).content.decode()
    assert phone.count('data-testid="student-card"') == 3
    assert client.get(reverse("ledger:entry", args=[mine[0].pk])).status_code == 200
    assert client.get(reverse("ledger:entry", args=[theirs[0].pk])).status_code == 404
    response = client.post(reverse("ledger:entry_status", args=[theirs[0].pk]), {"status": S.OUT, "version": theirs[0].version})
    assert response.status_code == 404
    theirs[0].refresh_from_db()
    assert theirs[0].status == S.ON_CAMPUS


def test_anonymous_read_only_and_wrong_method(ledger, staying, make_user, verified_client):
    mine, _theirs = staying
    url = reverse("ledger:entry_status", args=[mine[0].pk])
    assert Client().get(reverse("ledger:list")).status_code == 302
    assert login(UserFactory(username="nobody")).get(reverse("ledger:list")).status_code == 403
    inspector = make_user("inspector9", "discipline")
    client = login(inspector)
    assert client.get(reverse("ledger:list")).status_code == 200  # reads everything
    assert client.get(reverse("ledger:entry", args=[mine[0].pk])).status_code == 200
    assert client.post(url, {"status": S.OUT, "version": mine[0].version}).status_code == 403
    assert login(ledger.uni.counselor_user).get(url).status_code == 405
    mine[0].refresh_from_db()
    assert mine[0].status == S.ON_CAMPUS


def test_status_change_without_htmx_returns_to_a_local_page_only(ledger, staying):
    entry = staying[0][0]
    client = login(ledger.uni.counselor_user)
    url = reverse("ledger:entry_status", args=[entry.pk])
    response = client.post(url, {"status": S.OUT, "version": entry.version, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("ledger:mine")
    entry.refresh_from_db()
    local = reverse("ledger:entry", args=[entry.pk])
    response = client.post(url, {"status": S.RETURNED, "version": entry.version, "next": local})
    assert response["Location"] == local


def test_one_tap_status_change_with_htmx_and_conflict(ledger, staying):
    uni = ledger.uni
    entry = staying[0][0]
    url = reverse("ledger:entry_status", args=[entry.pk])
    first = login(uni.counselor_user).post(url, {"status": S.OUT, "version": entry.version, "note": "去医院复查"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    assert 'data-testid="card-saved"' in first.content.decode() and "外出" in first.content.decode()
    # A second person acting on the same (now stale) version is told.
    second = login(uni.college_admin_user).post(url, {"status": S.LEFT, "version": entry.version}, HTTP_HX_REQUEST="true")
    assert second.status_code == 409
    assert "您的修改未保存" in second.content.decode()
    entry.refresh_from_db()
    assert entry.status == S.OUT and entry.spells.get(valid_to__year=9999).note == "去医院复查"


def test_approval_queues_counselor_then_college(ledger):
    uni = ledger.uni
    app = ledger.apply(uni.students[0])
    counselor, college = login(uni.counselor_user), login(uni.college_admin_user)
    assert uni.students[0].name in counselor.get(reverse("ledger:approvals")).content.decode()
    assert uni.students[0].name not in college.get(reverse("ledger:approvals")).content.decode()
    # The college cannot act on the counselor's step.
    college.post(reverse("ledger:review", args=[app.pk]), {"decision": "approve", "version": app.version})
    app.refresh_from_db()
    assert app.stage == StayApplication.Stage.SUBMITTED
    response = counselor.post(reverse("ledger:review", args=[app.pk]), {"decision": "return", "comment": "", "version": app.version})
    app.refresh_from_db()
    assert response.status_code == 302 and app.stage == StayApplication.Stage.SUBMITTED  # a return needs a comment
    counselor.post(reverse("ledger:review", args=[app.pk]), {"decision": "approve", "version": app.version})
    app.refresh_from_db()
    assert app.stage == StayApplication.Stage.COUNSELOR_APPROVED
    college.post(reverse("ledger:review", args=[app.pk]), {"decision": "approve", "version": app.version})
    assert LedgerEntry.objects.get(application=app).status == S.APPROVED
    # The other college's counselor cannot see it at all.
    assert (
        login(uni.other_counselor_user).post(reverse("ledger:review", args=[app.pk]), {"decision": "approve", "version": 1}).status_code
        == 404
    )


def test_student_applies_from_the_form(ledger):
    uni = ledger.uni
    student = uni.students[0]
    student.user = UserFactory(username="stu1")
    student.save()
    client = login(student.user)
    page = client.get(reverse("ledger:apply"))
    assert page.status_code == 200 and "安全承诺书" in page.content.decode()
    data = {
        "period": ledger.period.pk,
        "start_date": ledger.period.start_date.isoformat(),
        "end_date": ledger.period.end_date.isoformat(),
        "reason": ledger.reason.pk,
        "bed": student.bed_id,
        "emergency_contact": "李母",
        "emergency_phone": "13900000000",
        "parent_name": "李母",
        "parent_phone": "13900000000",
    }
    refused = client.post(reverse("ledger:apply"), data)
    assert refused.status_code == 200 and "须同意安全承诺" in refused.content.decode()
    assert not StayApplication.objects.exists()
    done = client.post(reverse("ledger:apply"), {**data, "pledge": "on"})
    assert done.status_code == 302
    assert StayApplication.objects.get().stage == StayApplication.Stage.SUBMITTED
    # A staff page is not for students.
    assert client.get(reverse("ledger:list")).status_code == 403


def _ledger_with(ledger, n):
    students = ledger.add_students(n)
    for index, student in enumerate(students):
        entry = ledger.on_campus(student)
        if index % 2:
            from fangxian.ledger import services

            services.tag_add(student=student, category=ledger.categories["psych"], by=None)
            services.tag_add(student=student, category=ledger.categories["risk_low"], by=None)
        assert entry.status == S.ON_CAMPUS


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_number_of_students(ledger, verified_client, office, django_assert_max_num_queries):
    uni = ledger.uni
    _ledger_with(ledger, 5)
    office_client = verified_client(office)
    counselor = login(uni.counselor_user)
    list_small = _queries(office_client, reverse("ledger:list"))
    mine_small = _queries(counselor, reverse("ledger:mine"))
    _ledger_with(ledger, 45)
    assert LedgerEntry.objects.count() == 50
    with django_assert_max_num_queries(list_small):
        office_client.get(reverse("ledger:list"))
    with django_assert_max_num_queries(mine_small):
        counselor.get(reverse("ledger:mine"))
