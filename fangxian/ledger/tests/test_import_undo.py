"""Undoing a stay import: the batch removes the stays, ledger entries, spells and categories
it created and restores the contacts it changed, all or nothing, and is refused (named)
once something happened to the stays since."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from fangxian.core.import_batches import undo_batch, undo_blockers
from fangxian.core.models import ImportBatch
from fangxian.ledger import services
from fangxian.ledger.models import BedSpell, LedgerEntry, StatusSpell, StayApplication, StudentTag
from fangxian.ledger.models import Status as S

from .test_import import row, run

pytestmark = pytest.mark.django_db


def test_a_stay_import_is_undone_whole(ledger, django_capture_on_commit_callbacks):
    uni = ledger.uni
    a, b, _c = uni.students
    with django_capture_on_commit_callbacks(execute=True):
        report = run(ledger, uni.college_admin_user, [row(a, ledger, tags="封闭管理"), row(b, ledger)])
    assert report.ok and report.created == 2 and report.batch_id, [str(e) for e in report.errors]
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert batch.importer == "ledger_stays" and batch.undoable
    assert undo_blockers(batch) == []
    assert undo_batch(batch, by=uni.college_admin_user) == []
    for model in (StayApplication, LedgerEntry, StatusSpell, BedSpell):
        assert not model.objects.exists(), model
    assert not StudentTag.objects.filter(student=a).exists()
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.UNDONE
    # Each removed stay is in the change log, tied to the undo.
    assert LogEntry.objects.filter(action=LogEntry.Action.DELETE, content_type__model="stayapplication").count() == 2
    # The same list can be imported again afterwards.
    assert run(ledger, uni.college_admin_user, [row(a, ledger), row(b, ledger)]).created == 2


def test_undoing_a_reimport_restores_the_contacts_it_changed(ledger):
    uni = ledger.uni
    a = uni.students[0]
    assert run(ledger, uni.college_admin_user, [row(a, ledger)]).ok
    changed = run(ledger, uni.college_admin_user, [row(a, ledger, phone="138-0000-0001")])
    assert changed.updated == 1
    first = ImportBatch.objects.exclude(pk=changed.batch_id).get()
    # The later import touched the same stay: the first cannot be undone before it.
    assert any(f"#{changed.batch_id}" in text for text in undo_blockers(first))
    assert undo_batch(ImportBatch.objects.get(pk=changed.batch_id), by=uni.college_admin_user) == []
    assert StayApplication.objects.get(student=a).emergency_phone == "13900000000"
    assert undo_blockers(first) == []


def test_a_stay_changed_since_blocks_the_undo_and_nothing_is_removed(ledger):
    uni = ledger.uni
    a, b, _c = uni.students
    report = run(ledger, uni.college_admin_user, [row(a, ledger), row(b, ledger)])
    batch = ImportBatch.objects.get(pk=report.batch_id)
    entry = LedgerEntry.objects.get(student=a)
    services.entry_change_status(entry=entry, status=S.ON_CAMPUS, version=entry.version, by=uni.counselor_user)
    blockers = undo_blockers(batch)
    assert any("台账" in text and "修改" in text for text in blockers), blockers
    assert any("状态" in text for text in blockers), blockers
    assert undo_batch(batch, by=uni.college_admin_user) == blockers
    # All or nothing: the untouched student's stay is still there too.
    assert StayApplication.objects.count() == 2 and LedgerEntry.objects.count() == 2
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED


def test_an_ended_category_blocks_the_undo(ledger):
    uni = ledger.uni
    a = uni.students[0]
    report = run(ledger, uni.college_admin_user, [row(a, ledger, tags="封闭管理")])
    tag = StudentTag.objects.get(student=a)
    services.tag_end(tag=tag, by=uni.counselor_user)
    blockers = undo_blockers(ImportBatch.objects.get(pk=report.batch_id))
    assert blockers and all("撤销" not in text for text in blockers), blockers
    assert StudentTag.objects.filter(pk=tag.pk).exists()


def test_the_college_undoes_its_own_stay_import_on_the_import_page(ledger, verified_client, office):
    from django.urls import reverse

    uni = ledger.uni
    report = run(ledger, uni.college_admin_user, [row(uni.students[0], ledger)])
    theirs = run(ledger, office, [row(uni.students[1], ledger)])
    client = verified_client(uni.college_admin_user)
    page = client.get(reverse("ledger:import")).content.decode()
    assert f'data-testid="stay-batch-{report.batch_id}"' in page and f"stay-batch-{theirs.batch_id}" not in page
    # Another person's import is not theirs to undo.
    assert client.post(reverse("ledger:import_undo", args=[theirs.batch_id])).status_code == 404
    response = client.post(reverse("ledger:import_undo", args=[report.batch_id]), follow=True)
    assert "已撤销" in response.content.decode()
    assert not StayApplication.objects.filter(student=uni.students[0]).exists()
    assert StayApplication.objects.filter(student=uni.students[1]).exists()
    # The office sees every stay import, and is told what blocks one.
    entry = LedgerEntry.objects.get(student=uni.students[1])
    services.entry_change_status(entry=entry, status=S.ON_CAMPUS, version=entry.version, by=uni.counselor_user)
    response = verified_client(office).post(reverse("ledger:import_undo", args=[theirs.batch_id]), follow=True)
    assert "没有撤销" in response.content.decode()
    assert StayApplication.objects.filter(student=uni.students[1]).exists()
