"""The issue's flow in a browser: a hazard officer starts a campaign over two buildings and
their labs; the inspector, on a phone, fails two items with photos; the owner rectifies one;
the inspector returns it once, then closes it; the other goes overdue and reaches the unit's
leader when the clock is moved; the campaign's coverage shows the uninspected lab."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fangxian.deadlines.services import tick
from fangxian.hazards import services
from fangxian.hazards.models import Campaign, Finding
from fangxian.notify.models import Notification
from fangxian.org.testing import StaffFactory, make_image
from fangxian.testing import DESKTOP, PHONE, UserFactory, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def clean(page) -> None:
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []


def choose(page, position: int, value: str) -> None:
    radio = page.get_by_test_id(f"result-{position}-{value}")
    page.locator(f"label[for='{radio.get_attribute('id')}']").click()


@pytest.fixture
def world(uni, make_user, media_root, tmp_path):
    from fangxian.hazards.tests.conftest import HazardWorld

    hz = HazardWorld(uni, make_user)
    officer_user = UserFactory(username="hzofficer1")
    officer = StaffFactory(unit=hz.lab_office, name="实验室处 干事", user=officer_user)
    uni.assign(officer, "hazard_office", unit=hz.lab_office)
    hz.photo = tmp_path / "leak.jpg"
    hz.photo.write_bytes(make_image((640, 480)))
    return hz


def test_campaign_inspection_rectification_and_coverage(page_factory, world):
    # The officer of the lab-safety office starts the campaign over 实验楼 and 1号公寓.
    desk = page_factory(viewport=DESKTOP)
    browser_login(desk, "hzofficer1")
    desk.goto("/hazards/campaigns/new/")
    desk.fill("#id_name", "暑假前校园安全隐患大排查")
    desk.select_option("#id_buildings", [str(world.lab_building.pk), str(world.dorm.pk)])
    desk.select_option("#id_lab_version", str(world.versions["lab"].pk))
    desk.select_option("#id_dorm_version", str(world.versions["dorm"].pk))
    desk.get_by_test_id("campaign-submit").click()
    desk.wait_for_selector("[data-testid=coverage-total]")
    assert desk.get_by_test_id("planned").inner_text() == "3"
    campaign = Campaign.objects.get()

    # The inspector on a phone: two items fail, each with a photo from the camera.
    phone = page_factory(viewport=PHONE)
    browser_login(phone, "safety1")
    phone.goto("/hazards/")
    phone.get_by_test_id("inspect-101 化学实验室").click()
    phone.wait_for_selector("[data-testid=inspect-form]")
    count = phone.locator("fieldset.hz-item").count()
    for position in range(1, count + 1):
        choose(phone, position, "fail" if position in (1, 4) else "pass")
    phone.get_by_test_id("level-4").select_option("larger")
    phone.get_by_test_id("note-1").fill("危化品柜未上锁")
    phone.get_by_test_id("photo-input-1").set_input_files(str(world.photo))
    phone.wait_for_selector("[data-testid=photo-1]")
    phone.get_by_test_id("photo-input-4").set_input_files(str(world.photo))
    phone.wait_for_selector("[data-testid=photo-4]")
    phone.wait_for_selector("[data-testid=save-state][data-state=ok]")
    phone.get_by_test_id("submit-inspection").click()
    phone.wait_for_selector("[data-testid=inspection-submitted]")
    assert phone.locator("[data-testid=inspection-findings] li").count() == 2
    clean(phone)
    first, second = Finding.objects.order_by("answer__item__position")
    assert first.answer.photos.count() == 1 and second.level == "larger" and first.owner == world.owner

    # The owner rectifies the first with a photo.
    owner = page_factory(viewport=PHONE)
    browser_login(owner, "labowner1")
    owner.goto("/hazards/findings/?mine=owner")
    owner.get_by_test_id(f"finding-{first.pk}").click()
    owner.fill("#id_text", "已给危化品柜加锁")
    owner.get_by_test_id("report-photos").set_input_files(str(world.photo))
    owner.get_by_test_id("report-submit").click()
    owner.wait_for_selector("[data-testid=finding-status]:has-text('已整改待验收')")

    # The inspector returns it once …
    phone.goto(f"/hazards/findings/{first.pk}/")
    phone.get_by_test_id("verify-note").fill("台账未补登")
    phone.get_by_test_id("verify-return").click()
    phone.wait_for_selector("[data-testid=finding-status]:has-text('待整改')")
    # … the owner reports again, and the inspector closes it.
    owner.reload()
    owner.fill("#id_text", "已补登领用台账")
    owner.get_by_test_id("report-submit").click()
    owner.wait_for_selector("[data-testid=finding-status]:has-text('已整改待验收')")
    phone.reload()
    phone.get_by_test_id("verify-close").click()
    phone.wait_for_selector("[data-testid=finding-status]:has-text('已销号')")
    first.refresh_from_db()
    assert first.status == "closed" and first.returned_count == 1
    clean(phone)
    clean(owner)

    # The second goes overdue: when the clock is moved past its deadline the leader of the
    # owner's unit hears of it.
    tick(now=second.due_at + timedelta(minutes=5), kinds=[services.DEADLINE_KIND])
    assert Notification.objects.filter(user=world.leader_user, kind=f"{services.DEADLINE_KIND}.leader").count() == 1
    assert not Notification.objects.filter(
        kind=f"{services.DEADLINE_KIND}.leader", title__contains=first.title[:20], user=world.leader_user
    ).exists()

    # Coverage: one place inspected, the other lab and the dormitory not (with their inspector).
    desk.goto(f"/hazards/campaigns/{campaign.pk}/?state=missing")
    assert desk.get_by_test_id("inspected").inner_text() == "1"
    assert desk.get_by_test_id("not-inspected").inner_text() == "2"
    missing = desk.get_by_test_id("places").inner_text()
    assert "102 物理实验室" in missing and "检查员 张安" in missing and "101 化学实验室" not in missing
    clean(desk)
