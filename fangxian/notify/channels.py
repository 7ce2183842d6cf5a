"""Outside delivery channels: Django mail and group-chat webhooks (WeCom, DingTalk).

Both webhooks take a JSON "text" message and answer {"errcode": 0, "errmsg": "ok"}; a
non-zero errcode (bad key, rate limit) is a failure even though the HTTP status is 200.
Every attempt is written to `Delivery`; webhook URLs carry their secret key in the query
string, so only the host is kept there.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail

from .models import Delivery

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT = 5  # seconds; a slow group chat must not hold up a job worker for long


def webhook_payload(channel: str, text: str, mobiles: list[str] | None = None) -> dict:
    """The JSON body of a text message in the format the channel expects."""
    mobiles = [m for m in (mobiles or []) if m]
    if channel == Delivery.Channel.WECOM:
        body: dict = {"msgtype": "text", "text": {"content": text}}
        if mobiles:
            body["text"]["mentioned_mobile_list"] = mobiles
        return body
    if channel == Delivery.Channel.DINGTALK:
        return {"msgtype": "text", "text": {"content": text}, "at": {"atMobiles": mobiles, "isAtAll": False}}
    raise ValueError(f"unknown webhook channel {channel!r}")


def post_webhook(channel: str, url: str, text: str, *, kind: str, mobiles: list[str] | None = None) -> Delivery:
    data = json.dumps(webhook_payload(channel, text, mobiles), ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")  # noqa: S310
    error = ""
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310  (http(s) only, checked in settings)
            answer = json.loads(response.read() or b"{}")
        if answer.get("errcode", 0) != 0:
            error = f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = f"{exc.__class__.__name__}: {exc}"
    if error:
        log.warning("webhook %s to %s failed: %s", channel, urlsplit(url).netloc, error)
    return Delivery.objects.create(channel=channel, kind=kind, target=urlsplit(url).netloc, text=text, ok=not error, error=error[:300])


def send_webhooks(text: str, *, kind: str, mobiles: list[str] | None = None) -> list[Delivery]:
    """Post `text` to every configured group webhook."""
    return [post_webhook(channel, url, text, kind=kind, mobiles=mobiles) for channel, url in settings.NOTIFY_WEBHOOKS]


def send_emails(messages: list[tuple[str, str, str]], *, kind: str) -> list[Delivery]:
    """Send (address, subject, body) messages one by one, so that one bad address does not
    stop the others."""
    deliveries = []
    for address, subject, body in messages:
        error = ""
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        except Exception as exc:  # noqa: BLE001  (any mail failure is recorded, not raised)
            error = f"{exc.__class__.__name__}: {exc}"
            log.warning("mail to %s failed: %s", address, error)
        deliveries.append(
            Delivery.objects.create(
                channel=Delivery.Channel.EMAIL, kind=kind, target=address, text=f"{subject}\n{body}", ok=not error, error=error[:300]
            )
        )
    return deliveries
