from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from fangxian.audit.models import SecurityEvent
from fangxian.privacy.testing import assert_watermarked
from fangxian.reports import services
from fangxian.reports.models import DailySummary, ReportForm, Submission
from fangxian.reports.summary import summary_due


def fill_url(rep, unit=None, day=None):
    return reverse("reports:fill", args=["college-daily", (unit or rep.uni.college).pk, (day or timezone.localdate()).isoformat()])


ZERO_POST = {
    "f-headcount-total": "3",
    "f-headcount-male": "3",
    "f-headcount-female": "0",
    "zero": ["safety", "catering", "mood", "other"],
    "action": "submit",
}


@pytest.fixture
def admin_client(client, rep):
    client.force_login(rep.uni.college_admin_user)
    return client


def submit_zero(rep, unit=None, user=None, **kw):
    data = rep.zero_report(**kw)
    return services.submission_save(
        user=user or rep.uni.college_admin_user, form=rep.form, unit=unit or rep.uni.college, day=timezone.localdate(), **data
    )


def test_index_lists_what_to_report(admin_client, rep):
    page = admin_client.get(reverse("reports:index"))
    assert page.status_code == 200
    assert "学院日报" in page.text and "医学院" in page.text and "文学院" not in page.text


def test_fill_page_is_prefilled_from_the_ledger(admin_client, rep):
    page = admin_client.get(fill_url(rep))
    assert page.status_code == 200
    assert 'name="f-headcount-total" value="3"' in page.text
    assert "台账数：3" in page.text


def test_submit_a_zero_report(admin_client, rep):
    response = admin_client.post(fill_url(rep), ZERO_POST)
    assert response.status_code == 302
    sub = Submission.objects.get()
    assert sub.is_zero and sub.status == "submitted"
    page = admin_client.get(fill_url(rep))
    assert "报告已提交" in page.text and "提交修订" in page.text


def test_bad_input_shows_where_and_stores_nothing(admin_client, rep):
    response = admin_client.post(fill_url(rep), {**ZERO_POST, "f-headcount-total": "三个"})
    assert response.status_code == 400
    assert "“在校学生人数”·“在校学生总数”：请输入整数。" in response.text
    assert "本次未保存任何数据" in response.text
    assert not Submission.objects.exists()


def test_a_different_figure_without_reason_is_refused(admin_client, rep):
    response = admin_client.post(fill_url(rep), {**ZERO_POST, "f-headcount-total": "4", "f-headcount-male": "4"})
    assert response.status_code == 400 and "与台账数 3 不一致" in response.text
    ok = admin_client.post(
        fill_url(rep),
        {**ZERO_POST, "f-headcount-total": "4", "f-headcount-male": "4", "r-headcount-total": "一人返校", "r-headcount-male": "一人返校"},
    )
    assert ok.status_code == 302


def test_future_day_gives_a_message_and_no_form(admin_client, rep):
    url = fill_url(rep, day=timezone.localdate() + timedelta(days=1))
    page = admin_client.get(url)
    assert "是将来的日期" in page.text and "submit-report" not in page.text
    assert admin_client.post(url, ZERO_POST).status_code == 400
    assert not Submission.objects.exists()


def test_another_units_report_is_not_found(admin_client, rep):
    assert admin_client.get(fill_url(rep, unit=rep.uni.other_college)).status_code == 404
    assert admin_client.post(fill_url(rep, unit=rep.uni.other_college), ZERO_POST).status_code == 404


def test_a_counselor_may_not_open_reports(client, rep):
    client.force_login(rep.uni.counselor_user)
    assert client.get(reverse("reports:index")).status_code == 403


def test_locked_report_shows_no_submit_button(admin_client, rep, office):
    sub = submit_zero(rep)
    services.submission_approve(user=office, submission=sub)
    page = admin_client.get(fill_url(rep))
    assert "已审核并锁定" in page.text and "submit-report" not in page.text
    response = admin_client.post(fill_url(rep), {**ZERO_POST, "zero": ["safety"], "f-catering-problem": "no", "f-mood-attention": "no"})
    assert response.status_code == 400 and "锁定" in response.text


def test_completeness_for_the_office_with_phones(verified_client, office, rep):
    submit_zero(rep)
    client = verified_client(office)
    page = client.get(reverse("reports:completeness", args=["college-daily"]))
    assert page.status_code == 200
    assert 'data-testid="count-expected">2<' in page.text and 'data-testid="count-missing">1<' in page.text
    assert "文学院" in page.text and rep.other_admin.phone in page.text
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REVEAL, detail__what="reports.missing_contacts").exists()


def test_completeness_for_a_leader_masks_phones(client, rep, make_user):
    leader = make_user("schoolleader", "leader")
    client.force_login(leader)
    page = client.get(reverse("reports:completeness", args=["college-daily"]))
    assert page.status_code == 200
    assert rep.other_admin.phone not in page.text and rep.other_admin.phone_masked in page.text
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REVEAL).exists()


def test_completeness_of_a_college_admin_is_their_college_only(admin_client, rep):
    page = admin_client.get(reverse("reports:completeness", args=["college-daily"]))
    assert 'data-testid="count-expected">1<' in page.text and "文学院" not in page.text


def test_overview_calendar_and_trends(verified_client, office, rep):
    yesterday = timezone.localdate() - timedelta(days=1)
    services.submission_save(
        user=rep.uni.college_admin_user,
        form=rep.form,
        unit=rep.uni.college,
        day=yesterday,
        now=rep.at(9, day=yesterday),
        **rep.zero_report(),
    )
    services.submission_save(
        user=rep.uni.college_admin_user, form=rep.form, unit=rep.uni.college, day=timezone.localdate(), **rep.zero_report()
    )
    client = verified_client(office)
    overview = client.get(reverse("reports:overview"))
    assert overview.status_code == 200 and "学院日报" in overview.text
    calendar = client.get(reverse("reports:calendar", args=["college-daily"]), {"month": yesterday.strftime("%Y-%m")})
    assert calendar.status_code == 200 and 'class="c-zero"' in calendar.text and 'class="c-missing"' in calendar.text
    trends = client.get(reverse("reports:trends", args=["college-daily"]), {"days": 7})
    assert trends.status_code == 200
    assert 'data-echarts="trend-0"' in trends.text and "vendor/echarts/echarts.min.js" in trends.text
    option = json.loads(trends.text.split('<script id="trend-0" type="application/json">')[1].split("</script>")[0])
    assert option["series"][0]["data"][-1] == 3 and option["series"][0]["data"][-2] == 3


def test_review_actions(verified_client, office, rep):
    sub = submit_zero(rep)
    client = verified_client(office)
    detail = client.get(reverse("reports:detail", args=[sub.pk]))
    assert detail.status_code == 200 and "审核通过并锁定" in detail.text
    assert client.get(reverse("reports:review", args=[sub.pk, "approve"])).status_code == 405
    client.post(reverse("reports:review", args=[sub.pk, "return"]), {"comment": "请补充思想动态"})
    sub.refresh_from_db()
    assert sub.status == "returned"
    assert rep.uni.college_admin_user.notifications.filter(kind="reports.review", body="请补充思想动态").exists()


def test_a_college_admin_cannot_review(admin_client, rep):
    sub = submit_zero(rep)
    assert admin_client.post(reverse("reports:review", args=[sub.pk, "approve"])).status_code == 403


def test_daily_summary_generated_archived_and_downloaded(verified_client, office, rep, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = rep.zero_report()
    data["zero_sections"] = ["catering", "mood", "other"]
    data["data"]["safety"] = {"incidents": 1, "details": "3号楼一名学生扭伤脚踝，已送医"}
    services.submission_save(
        user=rep.uni.college_admin_user, form=rep.form, unit=rep.uni.college, day=timezone.localdate(), now=rep.at(9), **data
    )
    client = verified_client(office)
    assert client.post(reverse("reports:summary_generate"), {"day": timezone.localdate().isoformat()}).status_code == 302
    summary = DailySummary.objects.get()
    assert (summary.expected, summary.submitted) == (4, 1)  # two colleges, logistics, security
    listing = client.get(reverse("reports:summaries"))
    assert timezone.localdate().isoformat() in listing.text
    xlsx = client.get(reverse("reports:summary_download", args=[summary.day.isoformat(), "xlsx"]))
    assert xlsx.status_code == 200
    assert_watermarked(xlsx, office)
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book["学院日报"]
    rows = list(sheet.iter_rows(values_only=True))[1:]  # under this download's watermark
    assert rows[0][:4] == ("单位", "状态", "报送时间", "零报告")
    assert rows[1][0] == "医学院" and rows[1][1] == "按时" and rows[1][4] == 3
    assert rows[2][0] == "文学院" and rows[2][1] == "未报"
    assert rows[-2][0] == "合计" and rows[-2][4] == 3 and rows[-1][4] == "1/2"
    docx = client.get(reverse("reports:summary_download", args=[summary.day.isoformat(), "docx"]))
    assert_watermarked(docx, office)
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "每日疫情防控工作日报" in text and "扭伤脚踝" in text and "文学院" in text and "四、未报送单位" in text
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 2
    assert (tmp_path / summary.xlsx.name).exists()


def test_summary_is_generated_once_after_the_configured_time(rep, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORTS_SUMMARY_TIME = "11:00"
    assert summary_due(now=rep.at(10, 59)) is None
    assert summary_due(now=rep.at(11, 1)) is not None
    assert summary_due(now=rep.at(11, 6)) is None
    assert DailySummary.objects.count() == 1


def test_the_office_defines_a_form_and_a_new_version(verified_client, office, rep):
    client = verified_client(office)
    definition = {
        "sections": [
            {
                "key": "tests",
                "title": "核酸检测",
                "fields": [{"key": "n", "label": "检测人数", "type": "integer", "min": 0, "required": True}],
            }
        ]
    }
    bad = client.post(
        reverse("reports:form_create"),
        {
            "code": "screening",
            "name": "核酸检测统计",
            "frequency": "once",
            "deadline": "16:00",
            "unit_kinds": ["college"],
            "valid_from": timezone.localdate().isoformat(),
            "definition": "{",
        },
    )
    assert bad.status_code == 200 and "不是有效的 JSON" in bad.text and "一次性采集需要指定日期" in bad.text
    ok = client.post(
        reverse("reports:form_create"),
        {
            "code": "screening",
            "name": "核酸检测统计",
            "frequency": "once",
            "once_on": timezone.localdate().isoformat(),
            "deadline": "16:00",
            "unit_kinds": ["college"],
            "valid_from": timezone.localdate().isoformat(),
            "definition": json.dumps(definition),
        },
    )
    assert ok.status_code == 302
    form = ReportForm.objects.get(code="screening")
    assert form.is_due_on(timezone.localdate()) and not form.is_due_on(timezone.localdate() + timedelta(days=1))
    version = client.post(
        reverse("reports:version_create", args=["screening"]),
        {"valid_from": (timezone.localdate() + timedelta(days=1)).isoformat(), "note": "改名", "definition": json.dumps(definition)},
    )
    assert version.status_code == 302 and form.versions.count() == 2


def test_home_tiles(admin_client, rep):
    page = admin_client.get(reverse("web:home"))
    # Today's report leads the college admin's home page as the day's work.
    assert "学院日报 · 医学院" in page.text and "填报今日日报" in page.text
