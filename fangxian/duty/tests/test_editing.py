from __future__ import annotations

import io
from datetime import timedelta

from django.urls import reverse
from openpyxl import Workbook, load_workbook

from fangxian.audit.models import SecurityEvent
from fangxian.duty import services
from fangxian.duty.models import Post
from fangxian.duty.roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY
from fangxian.privacy.exports import holds
from fangxian.privacy.testing import assert_watermarked, last_export_record


def _xlsx(rows, headers=("日期", "星期", "班次", "带班领导", "值班人员", "联系电话")) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "值班表.xlsx"
    return out


def test_fill_page_fills_and_names_unknown_people(duty, verified_client):
    client = verified_client(duty.office)
    url = reverse("duty:roster_fill", args=[duty.roster.pk])
    start = duty.day(1)
    data = {
        "start": start,
        "end": start + timedelta(days=2),
        "mode": "turns",
        "leaders": duty.dean.name,
        "staff": "查无此人、" + duty.staff.name,
    }
    page = client.post(url, data)
    assert page.status_code == 200
    assert "“查无此人”" in page.content.decode()
    assert Post.objects.count() == 0
    data["staff"] = f"{duty.staff.name}、{duty.staff2.staff_number}"
    assert client.post(url, data).status_code == 302
    assert Post.objects.filter(role=DUTY_STAFF_KEY).count() == 6
    assert set(Post.objects.filter(role=DUTY_STAFF_KEY).values_list("staff_id", flat=True)) == {duty.staff.pk, duty.staff2.pk}


def test_import_is_all_or_nothing_with_row_errors(duty, verified_client):
    client = verified_client(duty.office)
    url = reverse("duty:roster_import", args=[duty.roster.pk])
    day = duty.day(3)
    bad = _xlsx(
        [
            (day.isoformat(), "", "白班", duty.dean.name, duty.staff.name, ""),
            (day.isoformat(), "", "夜班", duty.dean.name, "无名氏", ""),
            ((day + timedelta(days=1)).isoformat(), "", "白班", duty.dean.name, duty.outsider.name, ""),
        ]
    )
    page = client.post(url, {"file": bad})
    text = page.content.decode()
    assert "第 3 行" in text and "“无名氏”" in text
    assert "第 4 行" in text and duty.outsider.name in text
    assert Post.objects.count() == 0
    good = _xlsx(
        [
            (
                day.isoformat(),
                "",
                "白班",
                duty.dean.name,
                f"{duty.staff.name}、{duty.staff2.name}",
                "13900000001、13900000002、13900000003",
            ),
            (day.isoformat(), "", "夜班", duty.dean.name, duty.staff.name, ""),
        ]
    )
    page = client.post(url, {"file": good})
    assert page.status_code == 200, page.content.decode()[:2000]
    assert Post.objects.count() == 5
    assert Post.objects.get(shift__slot=0, staff=duty.staff2).phone == "13900000003"


def test_import_refuses_overlapping_shifts(duty, verified_client):
    client = verified_client(duty.office)
    day = duty.day(4)
    services.post_add(roster=duty.school, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    page = client.post(
        reverse("duty:roster_import", args=[duty.roster.pk]),
        {"file": _xlsx([(day.isoformat(), "", "白班", duty.dean.name, duty.staff.name, "")])},
    )
    assert "第 2 行" in page.content.decode() and "重叠" in page.content.decode()
    assert Post.objects.filter(shift__roster=duty.roster).count() == 0


def test_export_and_print(duty, verified_client):
    day = duty.day(0)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.dean, role=DUTY_LEADER_KEY, by=duty.office)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    client = verified_client(duty.office)
    response = client.get(reverse("duty:roster_export", args=[duty.roster.pk]), {"month": day.isoformat()})
    assert_watermarked(response, duty.office)
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("日期", "星期", "班次", "带班领导", "值班人员", "联系电话")  # under the watermark
    mine = [r for r in rows if r[0] == day.isoformat() and r[2] == "白班"][0]
    # Phones masked for every role (in full only with an approved unmasked export).
    assert duty.dean.name in mine[3] and duty.staff.name in mine[4] and "138****1111" in mine[5] and "13800001111" not in mine[5]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 1
    record = last_export_record(duty.office)
    assert record.export == "duty.roster" and record.masked and record.held["roster"] == str(duty.roster.pk)
    assert holds(record.held["staff"], duty.staff.pk) and holds(record.held["staff"], duty.dean.pk)
    docx = client.get(reverse("duty:roster_print", args=[duty.roster.pk]), {"month": day.isoformat()})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert_watermarked(docx, duty.office)
    assert last_export_record(duty.office).export == "duty.roster_docx"


def test_hand_edit_page_and_remove(duty, verified_client):
    client = verified_client(duty.office)
    day = duty.day(2)
    url = reverse("duty:post_add", args=[duty.roster.pk])
    page = client.post(url, {"day": day, "slot": 0, "role": DUTY_STAFF_KEY, "person": duty.outsider.name})
    assert page.status_code == 200 and "不属于" in page.content.decode()
    assert client.post(url, {"day": day, "slot": 0, "role": DUTY_STAFF_KEY, "person": duty.staff.name}).status_code == 302
    post = Post.objects.get()
    assert client.post(reverse("duty:post_remove", args=[post.pk])).status_code == 302
    assert not Post.objects.exists()
