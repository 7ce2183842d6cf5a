"""The pages: publishing through the form (and its refusals in Chinese), scope and roles,
the reader's page, the counselor's list of who has not read, the public page, the API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fangxian.notices.models import Notice, Receipt, Status
from fangxian.notify.models import Notification
from fangxian.testing import api_client

from .conftest import PDF, published

FORM = {
    "kind": "policy",
    "title": "关于做好暑期疫情防控工作的通知",
    "issuer": "河西学院防控办",
    "number": "河西学院防控办〔2022〕5号",
    "source_level": "school",
    "tags": "暑期",
    "body": "各学院：\n\n请严格落实四方责任。",
    "requires_ack": "on",
    "pass_mark": "100",
    "max_attempts": "3",
    "questions": "",
}


def client_for(user, verified_client=None):
    if verified_client is not None:
        return verified_client(user)
    client = Client()
    client.force_login(user)
    return client


def _audience(unit_id=None, kind="unit"):
    return {"aud0-kind": kind, "aud0-unit": str(unit_id or "")}


@pytest.fixture
def publicity(world):
    return client_for(world.publicity_user)


def test_the_publicity_department_publishes_through_the_form(world, publicity):
    data = {**FORM, **_audience(world.uni.college.pk), "files": SimpleUploadedFile("方案.pdf", PDF)}
    response = publicity.post(reverse("notices:new"), data)
    notice = Notice.objects.get()
    assert response.status_code == 302 and response.url == reverse("notices:detail", args=[notice.pk])
    assert notice.attachments.get().name == "方案.pdf"
    response = publicity.post(reverse("notices:publish", args=[notice.pk]), {"publish_at": ""})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == Status.PUBLISHED and notice.recipients == 5
    page = publicity.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "已阅确认" in page and "医学院" in page and "0%" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": "<p>请按时报告</p><script>alert('x')</script>"}, "脚本"),
        ({"questions": "1. 出入校门需要出示什么？\nA. 通行码\nB. 饭卡"}, "没有正确答案"),
        ({"aud0-kind": ""}, "请选择通知的发送范围"),
        ({"aud0-kind": "list", "aud0-people": "20990001"}, "20990001"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(world, publicity, change, message):
    data = {**FORM, **_audience(world.uni.college.pk), **change}
    response = publicity.post(reverse("notices:new"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Notice.objects.exists()


def test_an_attachment_that_is_not_what_its_name_says_is_refused_on_the_form(world, publicity):
    data = {**FORM, **_audience(world.uni.college.pk), "files": SimpleUploadedFile("通知.pdf", b"PK\x03\x04 a zip, not a pdf")}
    response = publicity.post(reverse("notices:new"), data)
    page = response.content.decode()
    assert response.status_code == 200 and "通知.pdf" in page and "不是PDF文件" in page
    assert not Notice.objects.exists()


def test_an_audience_that_resolves_to_nobody_cannot_be_published(world, publicity):
    from fangxian.org.testing import UnitFactory

    empty = UnitFactory(kind="department", name="档案馆", parent=world.uni.institution)
    publicity.post(reverse("notices:new"), {**FORM, **_audience(empty.pk)})
    notice = Notice.objects.get()
    response = publicity.post(reverse("notices:publish", args=[notice.pk]), {"publish_at": ""}, follow=True)
    assert "发送范围内没有任何人" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == Status.DRAFT and not Receipt.objects.exists()


def test_staff_without_the_publicity_responsibility_cannot_publish(world):
    counselor = client_for(world.uni.counselor_user)
    assert counselor.get(reverse("notices:new")).status_code == 403
    assert counselor.post(reverse("notices:new"), {**FORM, **_audience(world.uni.college.pk)}).status_code == 403
    assert client_for(world.uni.student_user).get(reverse("notices:list")).status_code == 403
    assert not Notice.objects.exists()


def test_scope_a_counselor_sees_their_students_only_and_another_college_is_404(world):
    mine = published(world)
    from fangxian.notices import services
    from fangxian.notices.models import AudienceKind

    other = services.notice_create(
        by=world.office,
        draft=services.Draft(
            kind="notice", title="文学院通知", issuer="文学院", number="", source_level="school", tags="", body="文学院学生注意。"
        ),
        audience=[services.AudienceSpec(AudienceKind.UNIT, unit=world.uni.other_college)],
    )
    services.publish(notice=other, by=world.office)
    counselor = client_for(world.uni.counselor_user)
    listing = counselor.get(reverse("notices:list")).content.decode()
    assert mine.title in listing and "文学院通知" not in listing
    assert counselor.get(reverse("notices:detail", args=[other.pk])).status_code == 404
    assert counselor.get(reverse("notices:unread", args=[other.pk])).status_code == 404
    assert counselor.post(reverse("notices:renotify", args=[other.pk])).status_code == 404
    assert client_for(world.uni.student_user).get(reverse("notices:read", args=[other.pk])).status_code == 404
    page = counselor.get(reverse("notices:unread", args=[mine.pk])).content.decode()
    assert all(s.name in page for s in world.uni.students) and world.uni.other_students[0].name not in page


def test_the_counselor_renotifies_once_a_day(world):
    notice = published(world)
    counselor = client_for(world.uni.counselor_user)
    response = counselor.post(reverse("notices:renotify", args=[notice.pk]), follow=True)
    assert "已提醒 3 人" in response.content.decode()
    response = counselor.post(reverse("notices:renotify", args=[notice.pk]), follow=True)
    assert "已提醒 0 人" in response.content.decode() and "3 人今天已提醒过" in response.content.decode()
    assert Notification.objects.filter(kind="notices.reminder", user=world.uni.student_user).count() == 1


def test_the_student_reads_answers_and_confirms(world):
    from fangxian.notices import services

    notice = published(world, questions=services.parse_questions("1. 出入校门需要出示什么？\nA. 通行码 *\nB. 饭卡"))
    student = client_for(world.uni.student_user)
    mine = student.get(reverse("notices:mine")).content.decode()
    assert notice.title in mine and "待阅读确认" in mine
    question = notice.questions.get()
    response = student.post(reverse("notices:read", args=[notice.pk]), {f"q_{question.pk}": "1"}, follow=True)
    assert "低于合格分数" in response.content.decode()
    response = student.post(reverse("notices:read", args=[notice.pk]), {f"q_{question.pk}": "0"}, follow=True)
    assert "已阅确认已记录" in response.content.decode()
    assert Receipt.objects.get(notice=notice, user=world.uni.student_user).read_at is not None
    mine = student.get(reverse("notices:mine")).content.decode()
    assert "没有待阅通知" in mine and "本校区现行政策" in mine


def test_the_public_page_shows_public_notices_without_sign_in(world):
    hidden = published(world)
    shown = published(world, title="致全校学生家长的一封信", is_public=True)
    anonymous = Client()
    page = anonymous.get(reverse("notices:public_list")).content.decode()
    assert shown.title in page and hidden.title not in page
    assert anonymous.get(reverse("notices:public_detail", args=[shown.pk])).status_code == 200
    assert anonymous.get(reverse("notices:public_detail", args=[hidden.pk])).status_code == 404
    assert anonymous.get(reverse("notices:read", args=[hidden.pk])).status_code == 302  # to the login page


def test_search_on_the_list_page(world, verified_client):
    published(world)
    published(world, title="校园出入管理办法", number="河西学院防控办〔2022〕6号", body="师生凭通行码出入。")
    office = verified_client(world.office)
    page = office.get(reverse("notices:list"), {"q": "通行码"}).content.decode()
    assert "校园出入管理办法" in page and "关于做好暑期疫情防控工作的通知" not in page


def test_the_api_publishes_reads_and_counts(world):
    publisher = api_client(world.publicity_user)
    response = publisher.post(
        reverse("api-notices"),
        {
            "kind": "policy",
            "title": "关于做好暑期疫情防控工作的通知",
            "issuer": "河西学院防控办",
            "body": "请严格落实四方责任。",
            "audience": [{"kind": "unit", "unit": world.uni.college.pk}],
            "questions": [{"text": "离校前向谁报备？", "choices": ["室友", "辅导员"], "correct": [1]}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    bad = publisher.post(
        reverse("api-notices"),
        {
            "kind": "notice",
            "title": "x",
            "issuer": "y",
            "body": "z",
            "audience": [{"kind": "unit", "unit": world.uni.college.pk}],
            "questions": [{"text": "q", "choices": ["a", "b"], "correct": []}],
        },
        format="json",
    )
    assert bad.status_code == 400 and "正确答案" in bad.content.decode()
    assert publisher.post(reverse("api-notice-publish", args=[pk]), {}, format="json").status_code == 200
    student = api_client(world.uni.student_user)
    mine = student.get(reverse("api-notices-mine")).json()["results"]
    assert [r["notice"] for r in mine] == [pk]
    question = Notice.objects.get(pk=pk).questions.get()
    answer = student.post(reverse("api-notice-acknowledge", args=[pk]), {"answers": {str(question.pk): [1]}}, format="json")
    assert answer.json() == {"read": True, "score": 100, "passed": True, "attempts_left": 2}
    tree = api_client(world.uni.counselor_user).get(reverse("api-notice-receipts", args=[pk])).json()
    assert [(r["name"], r["total"], r["read"]) for r in tree] == [("2021级", 3, 1), ("临床2021级1班", 3, 1)]


def test_a_notice_for_information_only_is_read_when_opened(world):
    notice = published(world, requires_ack=False)
    student = client_for(world.uni.student_user)
    page = student.get(reverse("notices:read", args=[notice.pk])).content.decode()
    assert "您已于" in page
    assert Receipt.objects.get(notice=notice, user=world.uni.student_user).read_at is not None


def test_home_and_dashboard_tiles(world, verified_client):
    from django.utils import timezone

    from fangxian.core import tiles as core_tiles
    from fangxian.core.tiles import TileContext
    from fangxian.notices.home import dashboard_tiles
    from fangxian.web.home import tiles_for

    assert (250, dashboard_tiles) in core_tiles._dashboard_providers

    notice = published(world)
    student_tiles = {t.key: t for t in tiles_for(world.uni.student_user)}
    assert student_tiles["notices-to-read"].kind == "action" and "1" in student_tiles["notices-to-read"].action
    publisher_tiles = {t.key: t for t in tiles_for(world.publicity_user)}
    assert publisher_tiles["notices-read-rate"].value == "0%"
    from fangxian.notices import services

    services.acknowledge(receipt=Receipt.objects.get(notice=notice, user=world.uni.student_user), by=world.uni.student_user)
    tiles = {t.key: t for t in dashboard_tiles(TileContext(user=world.office, day=timezone.localdate(), campus=None, summary=None))}
    assert tiles["notices-policies"].value == "20%"
    # A counselor's dashboard figure counts their students (and themselves) only.
    tiles = {
        t.key: t for t in dashboard_tiles(TileContext(user=world.uni.counselor_user, day=timezone.localdate(), campus=None, summary=None))
    }
    assert tiles["notices-policies"].note == "4 人中 1 人已确认"
