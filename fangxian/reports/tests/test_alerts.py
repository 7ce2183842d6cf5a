"""Alert rules on report content: the office sets them per field; a report that meets one
tells the office and the leaders at once, and the dashboard shows it until acknowledged."""

from __future__ import annotations

import copy

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fangxian.notify.models import Notification
from fangxian.reports import schema, services
from fangxian.reports.models import ReportAlert


def _with_rules(rep, office):
    """A new version of 学院日报 (valid from today) with alert rules on two fields."""
    definition = copy.deepcopy(rep.form.version_for(timezone.localdate()).schema)
    sections = {s["key"]: s for s in definition["sections"]}
    next(f for f in sections["safety"]["fields"] if f["key"] == "incidents")["alerts"] = [{"op": ">", "value": 0}]
    next(f for f in sections["catering"]["fields"] if f["key"] == "problem")["alerts"] = [{"op": "=", "value": True}]
    return services.form_version_create(user=office, form=rep.form, definition=definition, valid_from=timezone.localdate(), note="预警")


def _report(rep, incidents: int, now_hour: int = 9):
    return services.submission_save(
        user=rep.uni.college_admin_user,
        form=rep.form,
        unit=rep.uni.college,
        day=timezone.localdate(),
        now=rep.at(now_hour),
        data={"headcount": {"total": 3, "male": 3, "female": 0}, "safety": {"incidents": incidents, "details": "宿舍纠纷"}},
        zero_sections=["catering", "mood", "other"],
    )


def test_a_report_meeting_a_rule_alerts_the_office_and_leaders_at_once(
    rep, office, verified_client, client, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_EMAIL = True
    office.email = "office@example.edu.cn"
    office.save()
    _with_rules(rep, office)
    _report(rep, incidents=0)
    assert not ReportAlert.objects.exists()  # 0 does not meet "> 0"

    with django_capture_on_commit_callbacks(execute=True):  # e-mail goes out on commit
        sub = _report(rep, incidents=1, now_hour=10)  # the revision says 1
    alert = ReportAlert.objects.get()
    assert (alert.submission, alert.field_path, alert.rule, alert.value_text) == (sub, "safety.incidents", "安全稳定事件数 > 0", "1")
    told = Notification.objects.filter(kind="reports.alert")
    assert set(told.values_list("user__username", flat=True)) == {office.username, rep.leader_user.username}
    assert told.first().url == reverse("reports:detail", args=[sub.pk])
    assert any("安全稳定事件数" in m.body for m in mail.outbox)

    # The same answer again raises nothing new; another alerting figure raises it again.
    _report(rep, incidents=1, now_hour=11)
    assert told.count() == 2
    _report(rep, incidents=2, now_hour=11)
    assert told.count() == 4 and ReportAlert.objects.get().value == 2

    # The dashboard shows it, linked to the submission, until someone acknowledges it.
    dashboard = verified_client(office)
    page = dashboard.get(reverse("dashboard:overview"))
    assert [a.pk for a in page.context["alerts"]] == [alert.pk]
    assert reverse("reports:detail", args=[sub.pk]) in page.text
    # The command room's big screen shows it too (its panel is what the screen polls).
    panel = dashboard.get(reverse("dashboard:screen_panel")).text
    assert 'data-testid="screen-alert"' in panel and "安全稳定事件数" in panel
    answer = dashboard.post(reverse("reports:alert_acknowledge", args=[alert.pk]), {"next": reverse("dashboard:overview")})
    assert answer.status_code == 302 and answer.url == reverse("dashboard:overview")
    assert dashboard.get(reverse("dashboard:overview")).context["alerts"] == []
    assert 'data-testid="screen-alerts"' not in dashboard.get(reverse("dashboard:screen_panel")).text
    alert.refresh_from_db()
    assert alert.acknowledged_by == office

    # Out of scope: the other college's admin does not see it and cannot acknowledge it.
    client.force_login(rep.other_admin_user)
    assert client.post(reverse("reports:alert_acknowledge", args=[alert.pk])).status_code == 403


def test_a_yes_answer_meets_an_equals_yes_rule_and_zero_sections_meet_none(rep, office):
    _with_rules(rep, office)
    version = rep.form.version_for(timezone.localdate())
    answers = {"catering": {"problem": {"answer": True, "details": "午餐供应不足"}}}
    hits = schema.triggered_alerts(version.schema, answers, [])
    assert [(s["key"], f["key"]) for s, f, _v, _r in hits] == [("catering", "problem")]
    assert schema.triggered_alerts(version.schema, answers, ["catering"]) == []


@pytest.mark.parametrize(
    ("field", "rule", "problem"),
    [
        ({"type": "integer"}, {"op": "~", "value": 0}, "比较方式"),
        ({"type": "integer"}, {"op": ">", "value": "零"}, "数字"),
        ({"type": "yesno"}, {"op": ">", "value": True}, "是/否"),
        ({"type": "choice", "choices": ["充足", "短缺"]}, {"op": "=", "value": "紧张"}, "选项"),
        ({"type": "text"}, {"op": "=", "value": "x"}, "只有"),
    ],
)
def test_a_bad_alert_rule_is_refused_saying_where(field, rule, problem):
    definition = {"sections": [{"key": "s", "title": "节", "fields": [{"key": "f", "label": "问", **field, "alerts": [rule]}]}]}
    with pytest.raises(ValidationError) as error:
        schema.check_schema(definition)
    text = " ".join(error.value.messages)
    assert "第 1 个栏目第 1 个字段第 1 条预警规则" in text
    assert problem in text


def test_the_alert_reaches_the_group_chats(rep, office, settings, django_capture_on_commit_callbacks):
    from fangxian.notify.tests.test_channels import FakeWebhook

    server = FakeWebhook()
    try:
        settings.NOTIFY_WEBHOOKS = [("wecom", server.url + "/cgi-bin/webhook/send?key=k"), ("dingtalk", server.url + "/robot/send?t=x")]
        _with_rules(rep, office)
        with django_capture_on_commit_callbacks(execute=True):
            _report(rep, incidents=1)
    finally:
        server.close()
    texts = [r["body"]["text"]["content"] for r in server.received]
    assert len(texts) == 2 and all("预警" in t and "安全稳定事件数：1" in t for t in texts)


def test_the_leaders_on_duty_now_are_alerted_too(rep, office, django_capture_on_commit_callbacks):
    """带班领导: whoever holds the duty app's `duty_leader` at this moment, on the unit or above it
    (the school's leader on duty holds it on the institution); last night's leader is not told."""
    from datetime import timedelta

    from fangxian.org.models import Assignment
    from fangxian.org.testing import StaffFactory
    from fangxian.testing import UserFactory

    now = timezone.now()
    tonight = StaffFactory(unit=rep.uni.institution, name="校领导 带班", user=UserFactory(username="onduty"))
    last_night = StaffFactory(unit=rep.uni.institution, name="校领导 昨晚", user=UserFactory(username="offduty"))
    Assignment.objects.create(
        staff=tonight, role="duty_leader", unit=rep.uni.institution, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=11)
    )
    Assignment.objects.create(
        staff=last_night,
        role="duty_leader",
        unit=rep.uni.institution,
        starts_at=now - timedelta(hours=13),
        ends_at=now - timedelta(hours=1),
    )
    _with_rules(rep, office)
    _report(rep, incidents=1, now_hour=10)
    told = set(Notification.objects.filter(kind="reports.alert").values_list("user__username", flat=True))
    assert told == {office.username, rep.leader_user.username, "onduty"}
