"""The student import in a real browser, at phone width: the office checks a file, sees
what would change, confirms it (the button disables once clicked), and undoes it."""

import io

import openpyxl
import pytest

from fangxian.org.models import Student
from fangxian.org.testing import MiniUniversity
from fangxian.org.tests.test_browser import _login_with_totp
from fangxian.testing import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_previews_confirms_and_undoes_a_student_import(page_factory, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    uni = MiniUniversity()
    office = make_user("office1", "prevention_office")
    a = uni.students[0]
    book = openpyxl.Workbook()
    book.active.append(["学号", "姓名", "性别", "班级", "手机号"])
    book.active.append([a.student_number, a.name, "男", a.klass.name, "13700000001"])
    book.active.append(["2030999051", "新生乙", "女", uni.klass.name, "13700000002"])
    buffer = io.BytesIO()
    book.save(buffer)
    page = page_factory(viewport=PHONE)
    _login_with_totp(page, office)
    page.goto("/org/import/students/")
    page.set_input_files("#import-file", files=[{"name": "学生.xlsx", "mimeType": "application/octet-stream", "buffer": buffer.getvalue()}])
    page.check("#import-check")
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-changes]")
    assert "将新建 1 条、修改 1 条" in page.inner_text("[data-testid=import-ok]")
    assert not Student.objects.filter(student_number="2030999051").exists()
    screenshot(page, "org-student-import-preview-phone")
    # Confirm: the button is disabled as soon as the form is submitted.
    page.click("[data-testid=import-confirm-button]")
    page.wait_for_selector("[data-testid=import-batch]")
    assert Student.objects.filter(student_number="2030999051").exists()
    page.goto("/org/import/batches/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=batch-undo]")
    page.wait_for_selector(".alert-success, .alert")
    assert not Student.objects.filter(student_number="2030999051").exists()
    assert Student.objects.get(pk=a.pk).phone == a.phone
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []


def test_the_upload_button_disables_once_clicked(page_factory, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    MiniUniversity()
    office = make_user("office1", "prevention_office")
    page = page_factory()
    _login_with_totp(page, office)
    page.goto("/org/import/students/")
    # Keep the page from leaving (the form's own submit is cancelled, our script still sees
    # the event) so that the button's state after the click can be read.
    page.evaluate("document.querySelector('[data-testid=import-form]').addEventListener('submit', (e) => e.preventDefault(), true)")
    page.set_input_files("#import-file", files=[{"name": "x.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK"}])
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-submit][disabled]")
    assert page.watch.foreign_requests() == []
