"""In a real browser: a counselor reveals a student's ID number with a reason; the auditor
finds that reveal by the student's name; the auditor's export carries the watermark; the
counselor asks for an unmasked ledger export, the security admin approves it, and the one
download carries the counselor's watermark."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from fangxian.org.testing import MiniUniversity
from fangxian.testing import PHONE, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reveal_with_a_reason_is_found_by_the_auditor_and_the_export_is_watermarked(page_factory, auditor, secadmin, settings):
    settings.REQUIRE_TOTP = False  # the second factor has its own tests
    uni = MiniUniversity()
    student = uni.students[0]

    page = page_factory(viewport=PHONE)
    browser_login(page, "counselor1")
    page.goto(f"/org/students/{student.pk}/")
    assert student.id_number not in page.content()
    page.click("[data-testid=reveal-id_number]")
    page.click("[data-testid=reveal-submit-id_number]")  # no reason: refused, in Chinese
    expect(page.locator("[data-testid=reveal-error]")).to_contain_text("请选择查看完整信息的原因")
    page.select_option("[data-testid=reveal-reason-id_number]", "verify")
    page.fill("[data-testid=reveal-text-id_number]", "核对学籍")
    page.click("[data-testid=reveal-submit-id_number]")
    expect(page.locator("[data-testid=revealed-id_number]")).to_contain_text(student.id_number)
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []

    audit = page_factory()
    browser_login(audit, auditor.username)
    audit.goto("/privacy/access-log/")
    audit.fill("[data-testid=access-q]", student.name)
    audit.click("[data-testid=access-search]")
    audit.click(f"[data-testid=access-person][href$='student:{student.pk}']")
    records = audit.locator("[data-testid=access-records]")
    expect(records).to_contain_text("counselor1")
    expect(records).to_contain_text("核对身份")
    expect(records).to_contain_text("核对学籍")
    with audit.expect_download() as download:
        audit.click("[data-testid=access-export]")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active  # noqa: SIM115
    mark = sheet.cell(row=1, column=1).value
    assert "内部资料 请勿外传" in mark and (auditor.full_name or auditor.username) in mark
    assert any(row[1] == "counselor1" for row in sheet.iter_rows(values_only=True))
    assert audit.watch.foreign_requests() == [] and audit.watch.console_errors == []

    # An unmasked export: asked with a reason, approved by the security admin, downloaded once.
    page.goto("/ledger/")
    page.click("[data-testid=export-unmasked]")
    page.select_option("[data-testid=export-reason]", "contact")
    page.fill("[data-testid=export-reason-text]", "假期联系家长")
    page.click("[data-testid=export-request-submit]")
    expect(page.locator("[data-testid=export-grants]")).to_contain_text("假期联系家长")
    admin = page_factory()
    browser_login(admin, secadmin.username)
    admin.goto("/privacy/exports/")
    admin.click("[data-testid=export-grant-approve]")
    expect(admin.locator("[data-testid=export-grants]")).to_contain_text("已批准")
    page.goto("/privacy/exports/")
    with page.expect_download() as download:
        page.click("[data-testid=export-grant-download]")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active  # noqa: SIM115
    mark = sheet.cell(row=1, column=1).value
    assert "内部资料 请勿外传" in mark and (uni.counselor_user.get_full_name() or "counselor1") in mark
    page.goto("/privacy/exports/")
    expect(page.locator("[data-testid=export-grants]")).to_contain_text("已使用")
    assert page.locator("[data-testid=export-grant-download]").count() == 0
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []
    assert admin.watch.foreign_requests() == [] and admin.watch.console_errors == []
