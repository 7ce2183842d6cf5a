"""Correcting or cancelling an imported (or registered) stay on the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from fangxian.ledger import corrections, services
from fangxian.ledger.models import BedSpell, LedgerEntry, StayApplication
from fangxian.ledger.models import Status as S

from .test_import import row, run

pytestmark = pytest.mark.django_db


def imported(ledger, student) -> StayApplication:
    report = run(ledger, ledger.uni.college_admin_user, [row(student, ledger)])
    assert report.ok, [str(e) for e in report.errors]
    return StayApplication.objects.select_related("entry").get(student=student, period=ledger.period)


def fields(app: StayApplication, **change) -> dict:
    values = {name: getattr(app, name) for name in corrections.CORRECTABLE_FIELDS}
    values.update(change)
    return values


def test_an_imported_stay_is_corrected_with_the_registration_checks(ledger):
    uni = ledger.uni
    a = uni.students[0]
    app = imported(ledger, a)
    end = ledger.period.end_date - timedelta(days=3)
    changed = corrections.stay_correct(
        application=app, by=uni.college_admin_user, version=app.version, **fields(app, end_date=end, parent_phone="135-0000-0002")
    )
    assert set(changed) == {"end_date", "parent_phone"}
    app.refresh_from_db()
    assert (app.end_date, app.parent_phone, app.version) == (end, "13500000002", 2)
    log = LogEntry.objects.get_for_object(app).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert {"end_date", "parent_phone"} <= set(log.changes)
    # A stale version (someone corrected it meanwhile) is refused.
    with pytest.raises(ValidationError):
        corrections.stay_correct(application=app, by=uni.college_admin_user, version=1, **fields(app, reason_note="x"))
    # Dates outside the period are refused and nothing changes.
    with pytest.raises(ValidationError) as refused:
        corrections.stay_correct(
            application=app,
            by=uni.college_admin_user,
            version=app.version,
            **fields(app, end_date=ledger.period.end_date + timedelta(days=1)),
        )
    assert "start_date" in refused.value.message_dict
    app.refresh_from_db()
    assert app.end_date == end


def test_a_new_bed_is_a_move_and_a_taken_bed_is_refused(ledger):
    uni = ledger.uni
    a = uni.students[0]
    taken, freed = ledger.add_students(2, gender=a.gender)
    free_bed = freed.bed
    freed.bed = None
    freed.save()
    app = imported(ledger, a)
    old_bed = app.bed_id
    with pytest.raises(ValidationError) as refused:
        corrections.stay_correct(application=app, by=uni.college_admin_user, version=app.version, **fields(app, bed=taken.bed))
    assert "bed" in refused.value.message_dict
    corrections.stay_correct(application=app, by=uni.college_admin_user, version=app.version, **fields(app, bed=free_bed))
    entry = LedgerEntry.objects.get(application=app)
    assert entry.bed_id == free_bed.pk and entry.status == S.APPROVED
    assert list(BedSpell.objects.filter(entry=entry).order_by("pk").values_list("bed_id", flat=True)) == [old_bed, free_bed.pk]


def test_an_imported_stay_is_cancelled_before_arrival_with_a_reason(ledger):
    uni = ledger.uni
    a, b, _c = uni.students
    app = imported(ledger, a)
    with pytest.raises(ValidationError) as refused:
        corrections.stay_cancel(application=app, by=uni.college_admin_user, version=app.version, note=" ")
    assert "note" in refused.value.message_dict
    entry = corrections.stay_cancel(application=app, by=uni.college_admin_user, version=app.version, note="导入错误，已回家")
    assert entry.status == S.CANCELLED
    assert entry.spells.latest("pk").note == "已撤销：导入错误，已回家"
    # A re-imported list says the stay was cancelled instead of reviving it.
    again = run(ledger, uni.college_admin_user, [row(a, ledger)])
    assert not again.ok and any("已撤销" in str(e) or "撤销" in str(e) for e in again.errors), [str(e) for e in again.errors]
    # Once cancelled it can be neither cancelled again nor corrected.
    app.refresh_from_db()
    with pytest.raises(ValidationError):
        corrections.stay_cancel(application=app, by=uni.college_admin_user, version=app.version, note="再次")
    with pytest.raises(ValidationError):
        corrections.stay_correct(application=app, by=uni.college_admin_user, version=app.version, **fields(app, reason_note="x"))


def test_a_student_on_campus_is_not_cancelled_but_can_be_corrected(ledger):
    uni = ledger.uni
    a = uni.students[0]
    app = imported(ledger, a)
    entry = LedgerEntry.objects.get(application=app)
    services.entry_change_status(entry=entry, status=S.ON_CAMPUS, version=entry.version, by=uni.counselor_user)
    with pytest.raises(ValidationError) as refused:
        corrections.stay_cancel(application=app, by=uni.college_admin_user, version=app.version, note="x")
    assert "已离校" in refused.value.messages[0]
    assert corrections.stay_correct(application=app, by=uni.college_admin_user, version=app.version, **fields(app, reason_note="补充说明"))


# -- the ledger page -------------------------------------------------------------------------


def test_the_college_corrects_and_cancels_an_imported_stay_on_the_ledger_page(ledger, verified_client):
    from django.urls import reverse

    uni = ledger.uni
    a = uni.students[0]
    app = imported(ledger, a)
    entry = LedgerEntry.objects.get(application=app)
    client = verified_client(uni.college_admin_user)
    page = client.get(reverse("ledger:entry", args=[entry.pk])).content.decode()
    assert 'data-testid="entry-correct"' in page
    form = client.get(reverse("ledger:entry_correct", args=[entry.pk]))
    assert form.status_code == 200 and 'data-testid="cancel-form"' in form.content.decode()
    data = {
        "start_date": app.start_date.isoformat(),
        "end_date": app.end_date.isoformat(),
        "reason": app.reason_id,
        "reason_note": "补充材料",
        "bed": app.bed_id,
        "emergency_contact": app.emergency_contact,
        "emergency_phone": "138 0000 0009",
        "parent_name": app.parent_name,
        "parent_phone": app.parent_phone,
        "version": app.version,
    }
    response = client.post(reverse("ledger:entry_correct", args=[entry.pk]), data, follow=True)
    assert "已更正" in response.content.decode()
    app.refresh_from_db()
    assert (app.reason_note, app.emergency_phone) == ("补充材料", "13800000009")
    # The same form sent again (an old version) is refused on the page, nothing changes.
    stale = client.post(reverse("ledger:entry_correct", args=[entry.pk]), {**data, "reason_note": "旧"})
    assert stale.status_code == 400 and "请刷新页面" in stale.content.decode()
    # A date outside the period: the field says why.
    late = (ledger.period.end_date + timedelta(days=2)).isoformat()
    refused = client.post(reverse("ledger:entry_correct", args=[entry.pk]), {**data, "version": app.version, "end_date": late})
    assert refused.status_code == 400 and "留校期" in refused.content.decode()
    # Cancelling needs a reason, then ends the stay.
    client.post(reverse("ledger:entry_cancel", args=[entry.pk]), {"version": app.version, "note": ""})
    assert LedgerEntry.objects.get(pk=entry.pk).status == S.APPROVED
    response = client.post(reverse("ledger:entry_cancel", args=[entry.pk]), {"version": app.version, "note": "学生已回家"}, follow=True)
    assert LedgerEntry.objects.get(pk=entry.pk).status == S.CANCELLED
    assert "学生已回家" in response.content.decode()  # in the status history
    # Cancelled: no more correcting.
    assert 'data-testid="entry-correct"' not in response.content.decode()
    assert client.get(reverse("ledger:entry_correct", args=[entry.pk])).status_code == 403


def test_a_counselor_and_another_college_cannot_correct(ledger, verified_client):
    from django.urls import reverse

    uni = ledger.uni
    entry = LedgerEntry.objects.get(application=imported(ledger, uni.students[0]))
    counselor = verified_client(uni.counselor_user)
    assert counselor.get(reverse("ledger:entry_correct", args=[entry.pk])).status_code == 403
    assert 'data-testid="entry-correct"' not in counselor.get(reverse("ledger:entry", args=[entry.pk])).content.decode()
