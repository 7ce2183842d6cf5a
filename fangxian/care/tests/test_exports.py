"""Care exports: the logistics office's canteen week and the care plans with their
follow-ups, as xlsx with the exporter's watermark, recorded as exports; psychological
content only in the file of those who may read it; names masked for those who need not
know them; other roles refused, other colleges' students not in the file."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from fangxian.audit.models import SecurityEvent
from fangxian.care import services
from fangxian.care.exports import CONFIDENTIAL
from fangxian.care.models import CareKind

pytestmark = pytest.mark.django_db
SECRET = "自述失眠两周，与家人关系紧张"


def sheets(response) -> dict[str, list[list]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    out = {}
    for ws in book.worksheets:
        rows = [list(row) for row in ws.iter_rows(values_only=True)]
        width = max((len(row) for row in rows), default=0)
        out[ws.title] = [row + [None] * (width - len(row)) for row in rows]  # short note rows padded
    return out


def text(book: dict[str, list[list]]) -> str:
    return "\n".join(" ".join(str(cell) for cell in row if cell is not None) for rows in book.values() for row in rows)


def last_export(user) -> SecurityEvent:
    return SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, user=user).order_by("-pk").first()


@pytest.fixture
def canteen_week(care):
    uni = care.uni
    day = care.days_ago(1)
    services.canteen_report_submit(
        canteen=care.canteen, day=day, by=care.canteen_user, windows_open=6, meals_served=800, samples_kept=True, staff_checked=20
    )
    rating = services.meal_rate(
        student=uni.students[0], canteen=care.canteen, day=care.today, meal="lunch", score=1, comment="米饭夹生", today=care.today
    )
    services.meal_rate(student=uni.students[1], canteen=care.canteen, day=care.today, meal="lunch", score=5)
    return rating


def test_the_logistics_office_exports_the_canteen_week_with_names(care, canteen_week, client):
    client.force_login(care.logistics_user)
    with translation.override("zh-hans"):
        book = sheets(client.get(reverse("care:canteens_export") + f"?day={care.today.isoformat()}"))
    reports, ratings, complaints = book.values()
    content = text(book)
    assert "内部资料" in reports[0][0] and care.logistics_user.get_full_name() in reports[0][0]  # the watermark
    header = reports.index(
        ["日期", "食堂", "上报情况", "开放窗口", "供餐份数", "留样48小时", "晨检人数", "身体不适人数", "备注", "上报时间"]
    )
    lines = {(str(row[0])[:10], row[1]): row for row in reports[header + 1 :]}  # dates read back as datetimes
    assert len(lines) == 14  # two canteens, seven days
    yesterday = lines[(care.days_ago(1).isoformat(), "第一食堂")]
    assert yesterday[2] == "已上报" and yesterday[3] == 6
    assert lines[(care.days_ago(2).isoformat(), "第二食堂")][2] == "已逾期"  # not reported, and past its time
    assert any(row[2:5] == [2, 3.0, 1] for row in ratings if row and row[1] == "第一食堂")
    assert "米饭夹生" in content and care.uni.students[0].name in content
    event = last_export(care.logistics_user)
    assert event.detail["export"] == "care.canteens" and event.detail["students"] == [care.uni.students[0].pk]
    assert event.detail["masked_names"] is False


def test_leaders_get_the_week_with_names_masked_and_other_roles_are_refused(care, canteen_week, client, make_user):
    leader = make_user("leader5", "leader")
    client.force_login(leader)
    book = sheets(client.get(reverse("care:canteens_export")))
    name = care.uni.students[0].name
    assert "米饭夹生" in text(book) and name not in text(book) and name[0] + "*" in text(book)
    assert last_export(leader).detail["masked_names"] is True
    # A canteen's manager, a counselor, a student: no file, and nothing recorded.
    for user in (care.canteen_user, care.uni.counselor_user, care.uni.student_user):
        client.force_login(user)
        assert client.get(reverse("care:canteens_export")).status_code == 403
        assert last_export(user) is None
    # A bad day is refused in Chinese (400), not a server error.
    client.force_login(care.logistics_user)
    assert client.get(reverse("care:canteens_export") + "?day=2022-02-30").status_code == 400


def make_psych_record(care):
    plan = services.plan_create(
        student=care.uni.students[0],
        kind=CareKind.PSYCH,
        interval_days=3,
        starts_on=care.days_ago(10),
        group_code="psych",
        groups={"psych": "心理关注"},
        by=None,
    )
    follow_up = services.follow_up_log(
        plan=plan, by=care.psych_user, at=timezone.now() - timedelta(hours=2), mode="visit", content=SECRET, needs_attention=True
    )
    life = services.plan_create(student=care.uni.students[1], kind=CareKind.LIFE, interval_days=7, starts_on=care.days_ago(3), by=None)
    services.follow_up_log(plan=life, by=care.uni.counselor_user, at=timezone.now() - timedelta(hours=1), mode="phone", content="询问饮食")
    outside = services.plan_create(
        student=care.uni.other_students[0],
        kind=CareKind.LIFE,
        interval_days=7,
        starts_on=care.days_ago(3),
        owner=care.uni.other_counselor,
        by=None,
    )
    return plan, follow_up, outside


def test_psychological_content_is_only_in_the_files_of_those_who_may_read_it(care, client, make_user, verified_client):
    plan, follow_up, outside = make_psych_record(care)
    for who, user in (("psych", care.psych_user), ("one-to-one", care.uni.counselor_user)):
        client.force_login(user)
        book = sheets(client.get(reverse("care:plans_export")))
        assert SECRET in text(book), who
        event = last_export(user)
        assert event.detail["export"] == "care.plans" and event.detail["confidential_follow_ups"] == [follow_up.pk], who
    others = {
        "college": care.uni.college_admin_user,
        "leader": make_user("leader6", "leader"),
        "inspector": make_user("insp6", "discipline"),
    }
    for who, user in others.items():
        client.force_login(user)
        with translation.override("zh-hans"):
            book = sheets(client.get(reverse("care:plans_export")))
        content = text(book)
        assert SECRET not in content and CONFIDENTIAL in content, who
        assert "询问饮食" in content, who  # an ordinary follow-up is in the file
        follow_ups = book["跟进记录"]
        psych_row = next(row for row in follow_ups if row and row[6] == CONFIDENTIAL)
        assert psych_row[7] in (None, ""), who  # nor whether the student needs further attention
        assert last_export(user).detail["confidential_follow_ups"] == [], who
    office = verified_client(make_user("office5", "prevention_office"))
    assert SECRET not in text(sheets(office.get(reverse("care:plans_export"))))


def test_the_care_plans_file_holds_the_users_scope_only_and_students_are_refused(care, client):
    plan, _follow_up, outside = make_psych_record(care)
    client.force_login(care.uni.college_admin_user)
    book = sheets(client.get(reverse("care:plans_export") + "?kind=life"))
    content = text(book)
    assert care.uni.students[1].name in content
    assert care.uni.students[0].name not in content  # ?kind=life: not the psychological plan
    assert care.uni.other_students[0].name not in content  # 文学院: outside the college's scope
    assert last_export(care.uni.college_admin_user).detail["students"] == [care.uni.students[1].pk]
    client.force_login(care.uni.student_user)
    assert client.get(reverse("care:plans_export")).status_code == 403
    client.logout()
    assert client.get(reverse("care:plans_export")).status_code == 302
