"""Unmasked exports (a reason, the security administrator's approval, one download within a
day, the scope as always) and the watermark and export record of every exported file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from fangxian.audit.models import SecurityEvent
from fangxian.core.xlsx import read_sheet
from fangxian.ledger.tests.conftest import ledger  # noqa: F401  (fixture)
from fangxian.notify.models import Notification
from fangxian.privacy import exports
from fangxian.privacy.models import ExportGrant, ExportRecord
from fangxian.privacy.testing import WATERMARK_TEXT, assert_watermarked, last_export_record, watermarks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_TOTP = False  # the second factor has its own tests


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _rows(content: bytes) -> list[dict]:
    rows = read_sheet(content)
    header = next(i for i, r in enumerate(rows) if r and r[0] == "学号")
    return [dict(zip(rows[header], r, strict=False)) for r in rows[header + 1 :] if r and r[0]]


@pytest.fixture
def staying(ledger):  # noqa: F811
    uni = ledger.uni
    mine = [ledger.on_campus(s) for s in uni.students]
    theirs = [ledger.on_campus(s) for s in uni.other_students]
    return uni, mine, theirs


def _ask(client, day, **params):
    query = {"export": "ledger", "day": day.isoformat(), **params}
    return client.post(f"{reverse('privacy:export_request')}?{'&'.join(f'{k}={v}' for k, v in query.items())}", {"reason": "contact"})


def test_the_ledger_export_without_an_approval_is_masked_for_every_role(staying, make_user):
    uni, mine, _theirs = staying
    student = mine[0].student
    for user in (make_user("office-x", "prevention_office"), uni.college_admin_user, uni.counselor_user):
        response = _client(user).get(reverse("ledger:export"))
        assert_watermarked(response, user)
        row = next(r for r in _rows(response.content) if r["学号"] == student.student_number)
        assert row["身份证号"] != student.id_number and "*" in row["身份证号"]
        assert "****" in row["手机号"] and "****" in row["家长电话"] and "****" in row["紧急联系电话"]
        record = last_export_record(user)
        assert record.export == "ledger" and record.masked and record.grant is None and record.rows == len(_rows(response.content))


def test_request_approval_by_the_security_admin_one_unmasked_download_then_refused(staying, make_user, secadmin):
    uni, mine, _theirs = staying
    office = make_user("office-y", "prevention_office", first_name="王", last_name="主任")
    day = timezone.localdate()
    asker = _client(office)
    # No reason: refused, in Chinese, nothing asked.
    with translation.override("zh-hans"):
        refused = asker.post(f"{reverse('privacy:export_request')}?export=ledger&day={day}", {"reason": ""})
    assert refused.status_code == 400 and "请选择" in refused.content.decode() and not ExportGrant.objects.exists()
    assert _ask(asker, day).status_code == 302
    grant = ExportGrant.objects.get()
    assert grant.status == ExportGrant.Status.PENDING and grant.rows == 5 and grant.params == {"day": day.isoformat()}
    assert Notification.objects.filter(user=secadmin, kind="privacy.export_requested").exists()
    # Before the approval the download is refused, and the export itself stays masked.
    assert asker.get(reverse("privacy:export_grant_download", args=[grant.pk])).status_code == 302
    assert asker.get(reverse("ledger:export"), {"day": day.isoformat(), "grant": grant.pk}).status_code == 403
    # The security admin approves; the requester is told.
    admin = _client(secadmin)
    assert "export-grant-approve" in admin.get(reverse("privacy:export_grants")).content.decode()
    assert admin.post(reverse("privacy:export_grant_decide", args=[grant.pk]), {"decision": "approve"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == ExportGrant.Status.APPROVED and grant.decided_by == secadmin
    assert Notification.objects.filter(user=office, kind="privacy.export_decided").exists()
    # Someone else cannot use it.
    other = make_user("office-z", "prevention_office")
    assert _client(other).get(reverse("ledger:export"), {"day": day.isoformat(), "grant": grant.pk}).status_code == 403
    # The one download: full numbers, the watermark, the record with its grant and rows.
    redirect = asker.get(reverse("privacy:export_grant_download", args=[grant.pk]))
    assert redirect.status_code == 302 and f"grant={grant.pk}" in redirect["Location"]
    response = asker.get(redirect["Location"])
    assert_watermarked(response, office)
    assert all(WATERMARK_TEXT in mark for mark in watermarks(response))
    rows = _rows(response.content)
    student = mine[0].student
    assert next(r for r in rows if r["学号"] == student.student_number)["身份证号"] == student.id_number
    record = last_export_record(office)
    assert not record.masked and record.grant == grant and record.rows == 5
    assert exports.holds(record.held["student"], student.pk)
    grant.refresh_from_db()
    assert grant.status == ExportGrant.Status.USED and grant.used_at is not None
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.APPROVAL_REQUESTED, detail__grant=grant.pk).exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.APPROVAL_GRANTED, detail__grant=grant.pk).exists()
    # A second download is refused, with a reason, and nothing is exported.
    before = ExportRecord.objects.count()
    again = asker.get(reverse("privacy:export_grant_download", args=[grant.pk]), follow=True)
    assert "已经下载" in again.content.decode()
    assert asker.get(redirect["Location"]).status_code == 403
    assert ExportRecord.objects.count() == before


def test_the_grant_is_for_exactly_that_export_and_expires_after_a_day(staying, make_user, secadmin):
    uni, _mine, _theirs = staying
    office = make_user("office-e", "prevention_office")
    day = timezone.localdate()
    _ask(_client(office), day, college=uni.college.pk)
    grant = ExportGrant.objects.get()
    exports.grant_decide(grant=grant, approve=True, by=secadmin)
    # Other filters than those approved: refused (and the grant is still there).
    assert _client(office).get(reverse("ledger:export"), {"day": day.isoformat(), "grant": grant.pk}).status_code == 403
    ExportGrant.objects.filter(pk=grant.pk).update(decided_at=timezone.now() - timedelta(hours=25))
    with translation.override("zh-hans"):
        expired = _client(office).get(reverse("privacy:export_grant_download", args=[grant.pk]), follow=True)
    assert "过期" in expired.content.decode()


def test_the_requester_may_not_approve_their_own_request(staying, make_user):
    admin = make_user("secadmin-own", "security_admin")
    grant = ExportGrant.objects.create(export="ledger", params={}, reason="verify", requested_by=admin)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        exports.grant_decide(grant=grant, approve=True, by=admin)
    assert "其他人" in refused.value.messages[0] or "他人" in refused.value.messages[0]
    grant.refresh_from_db()
    assert grant.status == ExportGrant.Status.PENDING
    # And a requester without the security admin's role cannot decide at all.
    office = make_user("office-own", "prevention_office")
    other = ExportGrant.objects.create(export="ledger", params={}, reason="verify", requested_by=office)
    assert _client(office).post(reverse("privacy:export_grant_decide", args=[other.pk]), {"decision": "approve"}).status_code == 403


def test_rows_outside_the_scope_are_never_in_an_unmasked_file(staying, secadmin):
    uni, mine, theirs = staying
    counselor = uni.counselor_user
    day = timezone.localdate()
    # Asked for the other college: the count in scope is 0, and so is the file.
    _ask(_client(counselor), day, college=uni.other_college.pk)
    grant = ExportGrant.objects.get()
    assert grant.rows == 0
    exports.grant_decide(grant=grant, approve=True, by=secadmin)
    response = _client(counselor).get(exports.download_url(grant))
    assert response.status_code == 200 and _rows(response.content) == []
    # Unfiltered: only the counselor's own students, phones in full, ID numbers still masked.
    _ask(_client(counselor), day)
    grant = ExportGrant.objects.filter(status=ExportGrant.Status.PENDING).get()
    exports.grant_decide(grant=grant, approve=True, by=secadmin)
    rows = _rows(_client(counselor).get(exports.download_url(grant)).content)
    assert {r["学号"] for r in rows} == {e.student.student_number for e in mine}
    assert not {r["学号"] for r in rows} & {e.student.student_number for e in theirs}
    assert all("*" not in r["手机号"] and "*" in r["身份证号"] for r in rows)
    record = last_export_record(counselor)
    assert not any(exports.holds(record.held["student"], e.student.pk) for e in theirs)


def test_a_role_that_may_not_reveal_cannot_ask(staying, make_user):
    leader = make_user("leader-ask", "leader")
    response = _client(leader).post(f"{reverse('privacy:export_request')}?export=ledger", {"reason": "verify"})
    assert response.status_code == 302 and not ExportGrant.objects.exists()
    assert _client(leader).get(f"{reverse('privacy:export_request')}?export=nothing").status_code == 404


def test_the_auditor_finds_the_export_by_the_students_name(staying, make_user, auditor):
    uni, mine, _theirs = staying
    office = make_user("office-a", "prevention_office")
    _client(office).get(reverse("ledger:export"))
    student = mine[0].student
    client = _client(auditor)
    found = client.get(reverse("privacy:access_log"), {"q": student.name}).content.decode()
    assert f"student:{student.pk}" in found
    page = client.get(reverse("privacy:access_log"), {"person": f"student:{student.pk}"}).content.decode()
    files = page.split('data-testid="access-exports"')[1]
    assert "office-a" in files and "留校台账" in files


def test_compact_ranges_hold_exactly_the_keys():
    text = exports.compact([9, 1, 2, 3, 7, 10, 3])
    assert text == "1-3,7,9-10"
    assert [pk for pk in range(12) if exports.holds(text, pk)] == [1, 2, 3, 7, 9, 10]
    assert exports.compact([]) == ""
