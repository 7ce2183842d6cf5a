"""Main flows in a real browser: a counselor sees exactly their students; the prevention
office finds a class without a class teacher, assigns someone and sees the gap close."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.org.models import Assignment
from fangxian.org.testing import MiniUniversity
from fangxian.testing import PHONE, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login_with_totp(page, user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    browser_login(page, user.username)
    page.fill("#id_code", f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    page.click("[data-testid=totp-submit]")
    page.wait_for_load_state("networkidle")


def test_counselor_sees_exactly_their_students(page_factory):
    uni = MiniUniversity()
    page = page_factory()
    browser_login(page, "counselor1")
    page.goto("/org/students/")
    numbers = page.locator("[data-testid=students] tbody tr td:first-child").all_inner_texts()
    assert sorted(numbers) == sorted(s.student_number for s in uni.students)
    response = page.goto(f"/org/students/{uni.other_students[0].pk}/")
    assert response.status == 404
    page.watch.console_errors.clear()  # the browser reports the 404 we just asked for
    page.goto(f"/org/students/{uni.students[0].pk}/")
    page.click("[data-testid=reveal-phone]")
    page.select_option("[data-testid=reveal-reason-phone]", "contact")
    page.click("[data-testid=reveal-submit-phone]")
    page.wait_for_selector("[data-testid=revealed-phone]")
    assert uni.students[0].phone in page.inner_text("[data-testid=revealed-phone]")
    assert page.watch.foreign_requests() == []
    assert page.watch.console_errors == []


def test_office_closes_a_coverage_gap(page_factory, make_user):
    uni = MiniUniversity()
    office = make_user("office1", "prevention_office")
    page = page_factory(viewport=PHONE)
    _login_with_totp(page, office)
    page.goto("/org/coverage/")
    gap = page.locator(f"[data-gap=class_teacher-{uni.klass.pk}]")
    assert gap.count() == 1
    screenshot(page, "org-coverage-phone")
    gap.locator("[data-testid=fix]").click()
    page.wait_for_selector("[data-testid=assignment-form]")
    assert page.locator("#id_role").input_value() == "class_teacher"
    page.fill("[data-testid=staff-search]", "刘洋")
    page.click("[data-testid=staff-results] [data-ac-choice]")
    page.click("[data-testid=save]")
    page.wait_for_load_state("networkidle")
    assert page.url.split("?")[0].endswith("/org/coverage/")
    assert page.locator(f"[data-gap=class_teacher-{uni.klass.pk}]").count() == 0
    assert page.locator(f"[data-gap=class_teacher-{uni.other_klass.pk}]").count() == 1
    assert Assignment.objects.get(role="class_teacher").staff == uni.counselor
    assert page.watch.foreign_requests() == []
    assert page.watch.console_errors == []


def test_office_browses_the_tree_lazily(page_factory, make_user):
    uni = MiniUniversity()
    office = make_user("office1", "prevention_office")
    page = page_factory()
    _login_with_totp(page, office)
    page.goto("/org/units/")
    page.click(f"[data-node='{uni.institution.pk}'] > div [data-testid=expand]")
    page.wait_for_selector(f"[data-node='{uni.college.pk}']")
    page.click(f"[data-node='{uni.college.pk}'] > div [data-testid=expand]")
    page.wait_for_selector(f"[data-node='{uni.major.pk}']")
    assert "3 名学生" in page.inner_text(f"[data-node='{uni.major.pk}']")
    screenshot(page, "org-tree-desktop")
    assert page.watch.console_errors == []


def test_college_admin_imports_a_zip_of_photos_all_or_nothing(page_factory, settings, tmp_path):
    from fangxian.org.models import Student
    from fangxian.org.testing import make_image, make_zip

    settings.MEDIA_ROOT = tmp_path
    uni = MiniUniversity()
    page = page_factory(viewport=PHONE)
    browser_login(page, "college1")
    page.goto("/org/students/")
    page.click("[data-testid=import-photos]")
    page.wait_for_selector("[data-testid=photo-rules]")
    numbers = [s.student_number for s in uni.students]
    bad = make_zip({f"{numbers[0]}.jpg": make_image(), f"{uni.other_students[0].student_number}.jpg": make_image()})
    page.set_input_files("#import-file", files=[{"name": "照片.zip", "mimeType": "application/zip", "buffer": bad}])
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-errors]")
    assert f"{uni.other_students[0].student_number}.jpg · " in page.inner_text("[data-testid=import-errors]")
    screenshot(page, "org-photo-import-refused-phone")
    assert page.watch.console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.watch.console_errors.clear()  # the refused import is answered with 400, as it should
    assert not Student.objects.exclude(photo="").exists()
    good = make_zip({f"班级/{number}.jpg": make_image() for number in numbers})
    page.set_input_files("#import-file", files=[{"name": "照片.zip", "mimeType": "application/zip", "buffer": good}])
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-ok]")
    assert Student.objects.exclude(photo="").count() == len(numbers)
    page.goto(f"/org/students/{uni.students[1].pk}/")
    assert page.eval_on_selector("[data-testid=photo]", "img => img.complete && img.naturalWidth") == 300
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []
