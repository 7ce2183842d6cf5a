"""Pages, downloads, the phone's autosave, the API, tiles and the supervision rule."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from fangxian.audit.models import SecurityEvent
from fangxian.core.tiles import TileContext
from fangxian.hazards import home, services, supervision
from fangxian.hazards.models import Answer, AnswerPhoto, Finding, Inspection
from fangxian.privacy.testing import assert_watermarked, last_export_record
from fangxian.testing import api_client


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _inspected(hz, fails=(1,)):
    campaign = hz.campaign()
    cp = hz.cp(campaign, hz.lab1)
    services.save_answers(user=hz.inspector_user, campaign_place=cp, answers=hz.answers(cp, fails=fails))
    services.submit_inspection(user=hz.inspector_user, campaign_place=cp)
    return campaign, cp


def test_the_inspection_form_keeps_nothing_of_a_post_with_a_bad_photo(hz, jpeg):
    campaign = hz.campaign()
    cp = hz.cp(campaign, hz.lab1)
    item = cp.version.items.get(position=1)
    client = _client(hz.inspector_user)
    page = client.get(reverse("hazards:inspect", args=[cp.pk]))
    assert page.status_code == 200 and "危化品" in page.content.decode()
    bad = io.BytesIO(b"plain text")
    bad.name = "notes.txt"
    response = client.post(
        reverse("hazards:inspect", args=[cp.pk]), {f"result-{item.pk}": "fail", f"note-{item.pk}": "未上锁", f"photo-{item.pk}": bad}
    )
    assert response.status_code == 400
    assert "图片" in response.content.decode() and "未上锁" in response.content.decode()  # the answer is shown again
    assert not Answer.objects.exists() and not AnswerPhoto.objects.exists()
    good = io.BytesIO(jpeg)
    good.name = "photo.jpg"
    response = client.post(
        reverse("hazards:inspect", args=[cp.pk]), {f"result-{item.pk}": "fail", f"photo-{item.pk}": good, "action": "save"}
    )
    assert response.status_code == 302
    assert Answer.objects.get().result == "fail" and AnswerPhoto.objects.count() == 1


def test_autosave_is_idempotent_and_refuses_foreign_items(hz):
    campaign = hz.campaign()
    cp = hz.cp(campaign, hz.lab1)
    item = cp.version.items.get(position=2)
    client = _client(hz.inspector_user)
    url = reverse("hazards:inspect_save", args=[cp.pk])
    body = json.dumps({"answers": [{"item": item.pk, "result": "pass", "note": ""}]})
    for _ in range(2):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 200 and response.json()["status"] == "draft"
    assert Answer.objects.count() == 1
    foreign = hz.cp(campaign, hz.dorm).version.items.first()
    response = client.post(url, json.dumps({"answers": [{"item": foreign.pk, "result": "pass"}]}), content_type="application/json")
    assert response.status_code == 400 and "不在检查清单" in response.json()["detail"]
    other = hz.campaign(name="另一次", buildings=[hz.other_building])
    response = client.post(
        reverse("hazards:inspect_save", args=[other.places.get().pk]), json.dumps({"answers": []}), content_type="application/json"
    )
    assert response.status_code == 404 and "检查范围" in response.json()["detail"]


def test_campaign_page_reports_and_export_log(hz, verified_client):
    campaign, _cp = _inspected(hz)
    client = verified_client(hz.office)
    page = client.get(reverse("hazards:campaign", args=[campaign.pk]) + "?state=missing")
    text = page.content.decode()
    assert page.status_code == 200 and "102 物理实验室" in text and "检查员 张安" in text
    xlsx = client.get(reverse("hazards:campaign_xlsx", args=[campaign.pk]))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book["检查场所"].max_row == 3 + 3 and book["隐患清单"].max_row == 3  # the watermark, the header, the rows
    assert_watermarked(xlsx, hz.office)
    assert last_export_record(hz.office).export == "hazards_campaign_xlsx"
    docx = client.get(reverse("hazards:campaign_docx", args=[campaign.pk]))
    body = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "通报" in body and "计划检查场所3处" in body
    assert_watermarked(docx, hz.office)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 2
    finding = Finding.objects.get()
    notice = client.get(reverse("hazards:finding_notice", args=[finding.pk]))
    assert "整改通知书" in "\n".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
    assert_watermarked(notice, hz.office)
    assert last_export_record(hz.office).held == {"finding": str(finding.pk)}


def test_api_inspects_and_refuses_a_close_without_a_report(hz, jpeg):
    campaign = hz.campaign()
    cp = hz.cp(campaign, hz.lab1)
    api = api_client(hz.inspector_user)
    answers = hz.answers(cp, fails=(3,))
    response = api.post(f"/api/v1/hazards/places/{cp.pk}/answers/", {"answers": answers}, format="json")
    assert response.status_code == 200, response.content
    response = api.post(
        f"/api/v1/hazards/places/{cp.pk}/photos/",
        {"item": answers[2]["item"], "token": "p1", "photo": io.BytesIO(jpeg)},
        format="multipart",
    )
    assert response.status_code == 201
    assert api.post(f"/api/v1/hazards/places/{cp.pk}/submit/").status_code == 200
    finding = Finding.objects.get()
    response = api.post(f"/api/v1/hazards/findings/{finding.pk}/verify/", {"decision": "close"}, format="json")
    assert response.status_code == 400 and "整改" in json.dumps(response.json(), ensure_ascii=False)
    coverage = api.get(f"/api/v1/hazards/campaigns/{campaign.pk}/coverage/").json()
    assert coverage["total"]["inspected"] == 1 and coverage["total"]["planned"] == 3
    assert api.get(f"/api/v1/hazards/findings/?campaign={campaign.pk}").json()["count"] == 1
    owner = api_client(hz.owner_user)
    response = owner.post(f"/api/v1/hazards/findings/{finding.pk}/report/", {"text": "已更换"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "reported"
    response = api.post(
        f"/api/v1/hazards/findings/{finding.pk}/change/", {"due_at": (finding.created_at - timedelta(days=1)).isoformat()}, format="json"
    )
    assert response.status_code == 400 and "期限" in json.dumps(response.json(), ensure_ascii=False)
    assert Inspection.objects.get().status == "submitted"


def test_tiles_and_supervision(hz):
    campaign, cp = _inspected(hz)
    keys = {tile.key for tile in home.hazard_tiles(hz.inspector_user)}
    assert "hazards-inspect" in keys  # the other lab and the dormitory are still to inspect
    assert {tile.key for tile in home.hazard_tiles(hz.owner_user)} == {"hazards-rectify"}
    tiles = {tile.key: tile for tile in home.dashboard_tiles(TileContext(hz.office, campaign.starts_on, None, None))}
    assert tiles["hazards-open"].value == 1 and tiles["hazards-not-inspected"].value == 2 and tiles["hazards-overdue"].value == 0
    finding = Finding.objects.get()
    day = (finding.due_at + timedelta(days=1)).date()
    proposals = list(supervision.overdue_findings(day))
    assert len(proposals) == 1 and proposals[0].unit_id == hz.lab_office.pk and proposals[0].count == 1
