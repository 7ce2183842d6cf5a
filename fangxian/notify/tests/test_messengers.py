"""Notifications to a person in WeCom / DingTalk through the apps' message APIs. The APIs
are a real HTTP server started here that answers like qyapi.weixin.qq.com and
oapi.dingtalk.com and records what it was sent."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fangxian.core.xlsx import XLSX_CONTENT_TYPE
from fangxian.notify.models import Delivery
from fangxian.notify.services import notify_users
from fangxian.org.imports import StaffImporter
from fangxian.org.models import Staff

pytestmark = pytest.mark.django_db


class ApiServer:
    def __init__(self, fail_send: bool = False):
        self.calls: list[tuple[str, dict, dict]] = []
        self.fail_send = fail_send
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, body: dict):
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                server.calls.append((parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}, {}))
                self._answer({"errcode": 0, "access_token": "TOKEN-1", "expires_in": 7200})

            def do_POST(self):
                parts = urlsplit(self.path)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.calls.append((parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}, body))
                self._answer({"errcode": 60020, "errmsg": "not allow to access from your ip"} if server.fail_send else {"errcode": 0})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def api(settings):
    server = ApiServer()
    settings.SITE_URL = "https://fangxian.example.edu.cn"
    settings.WECOM_CORP_ID, settings.WECOM_AGENT_ID, settings.WECOM_SECRET = "ww123", "1000002", "wecom-secret"
    settings.WECOM_API_BASE = server.url
    settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET, settings.DINGTALK_AGENT_ID = "ding-key", "ding-secret", "2000003"
    settings.DINGTALK_API_BASE = server.url
    yield server
    server.stop()


def test_a_notification_goes_to_the_persons_wecom_and_dingtalk_with_a_link(uni, api, django_capture_on_commit_callbacks):
    Staff.objects.filter(pk=uni.counselor.pk).update(wecom_userid="liuyang", dingtalk_userid="ding-liuyang")
    Staff.objects.filter(pk=uni.guard.pk).update(wecom_userid="machao")
    with django_capture_on_commit_callbacks(execute=True):
        notify_users(
            users=[uni.counselor_user, uni.guard_user, uni.college_admin_user],
            kind="report_due",
            title="日报待提交",
            body="请在11:00前提交",
            url="/reports/",
        )
    paths = [call[0] for call in api.calls]
    assert paths == [
        "/cgi-bin/gettoken",
        "/cgi-bin/message/send",
        "/gettoken",
        "/topapi/message/corpconversation/asyncsend_v2",
    ]
    _path, query, wecom = api.calls[1]
    assert query["access_token"] == "TOKEN-1" and api.calls[0][1] == {"corpid": "ww123", "corpsecret": "wecom-secret"}
    assert wecom["touser"] == "liuyang|machao" and wecom["agentid"] == 1000002
    assert wecom["textcard"]["url"] == "https://fangxian.example.edu.cn/reports/" and wecom["textcard"]["title"] == "日报待提交"
    ding = api.calls[3][2]
    assert ding["userid_list"] == "ding-liuyang" and ding["msg"]["link"]["messageUrl"] == "https://fangxian.example.edu.cn/reports/"
    assert set(Delivery.objects.values_list("channel", "ok")) == {("wecom", True), ("dingtalk", True)}


def test_a_refusing_api_is_a_failed_delivery_not_an_error(uni, api, django_capture_on_commit_callbacks):
    api.fail_send = True
    Staff.objects.filter(pk=uni.counselor.pk).update(wecom_userid="liuyang")
    with django_capture_on_commit_callbacks(execute=True):
        notify_users(users=[uni.counselor_user], kind="x", title="t", url="/")
    delivery = Delivery.objects.get(channel="wecom")
    assert not delivery.ok and "60020" in delivery.error


def test_nothing_is_sent_when_the_apps_are_not_configured(uni, django_capture_on_commit_callbacks):
    Staff.objects.filter(pk=uni.counselor.pk).update(wecom_userid="liuyang")
    with django_capture_on_commit_callbacks(execute=True):
        notify_users(users=[uni.counselor_user], kind="x", title="t", url="/")
    assert not Delivery.objects.filter(channel__in=["wecom", "dingtalk"]).exists()


def test_the_staff_import_fills_the_ids_and_an_empty_cell_keeps_them(uni):
    def run(rows):
        workbook = openpyxl.Workbook()
        workbook.active.append(["工号", "姓名", "性别", "单位", "企业微信账号", "钉钉账号"])
        for row in rows:
            workbook.active.append(row)
        data = io.BytesIO()
        workbook.save(data)
        report = StaffImporter(user=None).run(SimpleUploadedFile("staff.xlsx", data.getvalue(), content_type=XLSX_CONTENT_TYPE))
        assert not report.errors, report.errors

    counselor = uni.counselor
    run(
        [
            [counselor.staff_number, counselor.name, "女", uni.college.name, "liuyang", "ding-ly"],
            ["T88001", "新老师", "男", uni.college.name, "xin", ""],
        ]
    )
    counselor.refresh_from_db()
    assert (counselor.wecom_userid, counselor.dingtalk_userid) == ("liuyang", "ding-ly")
    assert Staff.objects.get(staff_number="T88001").wecom_userid == "xin"
    run([[counselor.staff_number, counselor.name, "女", uni.college.name, "", ""]])
    counselor.refresh_from_db()
    assert counselor.wecom_userid == "liuyang"


def test_a_person_binds_their_own_account(uni, client):
    client.force_login(uni.counselor_user)
    assert client.get(reverse("accounts:messaging")).status_code == 200
    response = client.post(reverse("accounts:messaging"), {"wecom_userid": " liuyang ", "dingtalk_userid": ""})
    assert response.status_code == 302
    uni.counselor.refresh_from_db()
    assert uni.counselor.wecom_userid == "liuyang"
    # Someone else's id is refused.
    client.force_login(uni.other_counselor_user)
    response = client.post(reverse("accounts:messaging"), {"wecom_userid": "liuyang", "dingtalk_userid": ""})
    assert response.status_code == 200 and "另一人" in response.content.decode()
    uni.other_counselor.refresh_from_db()
    assert uni.other_counselor.wecom_userid == ""
