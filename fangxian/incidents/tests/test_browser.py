"""The main flow in a real browser: a person on duty reports an incident from a phone (with a
photo), the office acknowledges it and closes it with a closing report, and downloads the
formal docx report, which python-docx opens."""

from __future__ import annotations

import io

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.deadlines.models import Deadline
from fangxian.incidents.models import Incident
from fangxian.org.testing import make_image
from fangxian.testing import DESKTOP, PHONE, browser_login, screenshot

pytestmark = [pytest.mark.browser]


def office_login(page, user) -> None:
    """The office holds a privileged role: sign in with a recovery code as the second factor."""
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    StaticToken.objects.create(device=device, token="recover1")
    browser_login(page, user.username)
    page.fill("#id_code", "recover1")
    page.click("[data-testid=totp-submit]")
    page.wait_for_load_state("networkidle")


def clean(page) -> None:
    assert page.watch.foreign_requests() == []
    assert page.watch.console_errors == []


def test_reported_from_a_phone_acknowledged_and_closed_with_a_docx_report(transactional_db, page_factory, cast):
    from docx import Document

    phone = page_factory(viewport=PHONE)
    browser_login(phone, "duty1")
    phone.goto("/")
    phone.click("[data-tile=incident-report]")  # the home page's big button for whoever is on duty
    phone.select_option("#id_kind", "fire")
    phone.fill("#id_description", "宿舍楼三层配电箱冒烟，无人员受伤")
    phone.select_option("#id_place", str(cast.uni.building.pk))
    phone.set_input_files("#id_photos", files=[{"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": make_image((800, 600))}])
    screenshot(phone, "incidents-report-phone")
    phone.click("[data-testid=report-submit]")
    phone.wait_for_load_state("networkidle")
    incident = Incident.objects.get()
    assert phone.url.endswith(f"/incidents/{incident.pk}/")
    assert "火情 · 1号公寓" in phone.text_content("[data-testid=incident-title]")
    assert phone.locator("[data-testid=photos] img").count() == 1
    assert phone.locator("[data-testid=deadline-clock]").count() == 2  # 首报 and the written report
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "incidents-detail-phone")
    clean(phone)

    office = page_factory(viewport=DESKTOP)
    office_login(office, cast.office)
    office.goto("/incidents/")
    office.click(f"[data-incident='{incident.pk}'] a")
    office.click("[data-testid=acknowledge]")
    office.wait_for_load_state("networkidle")
    assert "已确认" in office.text_content("[data-testid=status]")
    assert office.locator("[data-testid=deadline-clock][data-state=done]").count() == 1
    office.select_option("#id_kind", "final")
    office.fill("#id_text", "现场处置完毕，供电恢复，现予终报")
    office.fill("#id_measures", "切断电源，疏散学生，后勤更换配电箱")
    office.click("[data-testid=update-submit]")
    office.wait_for_load_state("networkidle")
    assert "已结束" in office.text_content("[data-testid=status]")
    assert office.locator("[data-testid=timeline] [data-kind=final]").count() == 1
    assert not Deadline.objects.of(incident).open().exists()
    screenshot(office, "incidents-closed-desktop")
    with office.expect_download() as download:
        office.click("[data-testid=docx]")
    with open(download.value.path(), "rb") as handle:
        doc = Document(io.BytesIO(handle.read()))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    assert "突发事件信息报告" in "\n".join(p.text for p in doc.paragraphs)
    assert "火情" in cells and "切断电源，疏散学生，后勤更换配电箱" in cells and "终报" in cells
    assert "保卫处" in cells  # the reporting unit: the duty post's
    clean(office)
