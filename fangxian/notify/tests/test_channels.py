"""Notifications: in-app rows, e-mail through Django mail, and WeCom/DingTalk webhooks
posted to a local HTTP server standing in for the group chat."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.urls import reverse

from fangxian.notify import channels
from fangxian.notify.models import Delivery, Notification
from fangxian.notify.services import notifications_mark_read, notify_groups, notify_many, notify_users


class FakeWebhook:
    """A tiny HTTP server on 127.0.0.1 that records the JSON bodies posted to it."""

    def __init__(self, answer: dict | None = None):
        self.received: list[dict] = []
        answer_bytes = json.dumps(answer or {"errcode": 0, "errmsg": "ok"}).encode()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                received.append({"path": self.path, "body": json.loads(self.rfile.read(length)), "type": self.headers["Content-Type"]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer_bytes)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    server = FakeWebhook()
    yield server
    server.close()


def test_in_app_and_email(make_user, django_capture_on_commit_callbacks):
    with_mail = make_user("a1", email="a1@example.edu.cn")
    without = make_user("a2")
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify_users(users=[with_mail, without, with_mail], kind="test.hello", title="测试通知", body="正文", url="/x/")
    assert len(rows) == 2
    assert Notification.objects.filter(user=with_mail, kind="test.hello").count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a1@example.edu.cn"] and mail.outbox[0].subject == "测试通知"
    assert Delivery.objects.get(channel="email").ok


def test_a_whole_audience_by_ids(make_user, django_capture_on_commit_callbacks, django_assert_max_num_queries, monkeypatch):
    from fangxian.notify import services

    monkeypatch.setattr(services, "CHUNK", 2)  # the accounts read a few at a time
    with_mail = make_user("b1", email="b1@example.edu.cn")
    others = [make_user(f"b{n}") for n in range(2, 6)]
    gone = make_user("b9", email="b9@example.edu.cn", is_active=False)
    ids = [with_mail.pk, *[u.pk for u in others], gone.pk, with_mail.pk]
    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(8):
        sent = notify_many(user_ids=ids, kind="test.all", title="全校通知" * 60, body="正文", url="/n/1/")
    # Each active account once, as notify_users writes it; the inactive one not at all.
    assert sent == 5
    rows = Notification.objects.filter(kind="test.all")
    assert sorted(rows.values_list("user_id", flat=True)) == sorted([with_mail.pk, *[u.pk for u in others]])
    row = rows.get(user=with_mail)
    assert (len(row.title), row.body, row.url, row.read_at) == (200, "正文", "/n/1/", None) and row.created_at is not None
    assert [m.to for m in mail.outbox] == [["b1@example.edu.cn"]]
    assert notify_many(user_ids=[gone.pk], kind="test.all", title="x") == 0


def test_wecom_and_dingtalk_formats(webhook, settings, django_capture_on_commit_callbacks, db):
    settings.NOTIFY_WEBHOOKS = [
        ("wecom", f"{webhook.url}/cgi-bin/webhook/send?key=SECRET"),
        ("dingtalk", f"{webhook.url}/robot/send?access_token=T"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        notify_groups(kind="test.group", text="【防线】测试", mobiles=["13800000000"])
    wecom, dingtalk = webhook.received
    assert wecom["body"] == {"msgtype": "text", "text": {"content": "【防线】测试", "mentioned_mobile_list": ["13800000000"]}}
    assert dingtalk["body"] == {
        "msgtype": "text",
        "text": {"content": "【防线】测试"},
        "at": {"atMobiles": ["13800000000"], "isAtAll": False},
    }
    assert wecom["type"].startswith("application/json")
    deliveries = list(Delivery.objects.order_by("id"))
    assert [d.ok for d in deliveries] == [True, True]
    # The key in the query string is a secret: only the host is kept.
    assert all("SECRET" not in d.target and "127.0.0.1" in d.target for d in deliveries)


def test_a_refused_webhook_is_recorded_as_failed(db):
    server = FakeWebhook(answer={"errcode": 93000, "errmsg": "invalid webhook url"})
    try:
        delivery = channels.post_webhook("wecom", server.url, "x", kind="test")
    finally:
        server.close()
    assert not delivery.ok and "93000" in delivery.error


def test_an_unreachable_webhook_does_not_raise(db):
    delivery = channels.post_webhook("dingtalk", "http://127.0.0.1:9/", "x", kind="test")
    assert not delivery.ok


def test_list_page_and_mark_read(client, make_user):
    user = make_user("n1")
    other = make_user("n2")
    notify_users(users=[user], kind="t", title="给我的通知")
    notify_users(users=[other], kind="t", title="别人的通知")
    client.force_login(user)
    page = client.get(reverse("notify:list"))
    assert "给我的通知" in page.text and "别人的通知" not in page.text
    assert client.get("/api/v1/notify/notifications/unread/").json() == {"unread": 1}
    client.post(reverse("notify:mark_read"))
    assert Notification.objects.get(user=user).read_at is not None
    assert Notification.objects.get(user=other).read_at is None
    assert notifications_mark_read(user=other, ids=[Notification.objects.get(user=user).pk]) == 0


def test_mark_read_is_post_only(client, make_user):
    client.force_login(make_user("n3"))
    assert client.get(reverse("notify:mark_read")).status_code == 405


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(reverse("notify:list")).status_code == 302


@pytest.mark.parametrize(
    ("value", "hooks"),
    [
        ("", []),
        (
            "wecom=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            [("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")],
        ),
        ("wecom=https://a/x, dingtalk=https://b/y", [("wecom", "https://a/x"), ("dingtalk", "https://b/y")]),
    ],
)
def test_webhook_setting(monkeypatch, value, hooks):
    from fangxian.settings import envwebhooks

    monkeypatch.setenv("FANGXIAN_TEST_HOOKS", value)
    assert envwebhooks("FANGXIAN_TEST_HOOKS") == hooks


@pytest.mark.parametrize("value", ["https://a/x", "slack=https://a/x", "wecom=ftp://a/x", "wecom="])
def test_a_bad_webhook_setting_is_refused(monkeypatch, value):
    from django.core.exceptions import ImproperlyConfigured

    from fangxian.settings import envwebhooks

    monkeypatch.setenv("FANGXIAN_TEST_HOOKS", value)
    with pytest.raises(ImproperlyConfigured):
        envwebhooks("FANGXIAN_TEST_HOOKS")
