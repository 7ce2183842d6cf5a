"""Notifications to a person in WeCom (企业微信) or DingTalk (钉钉), through the app's message
API, where the app is configured and the person has a user id there (org's Person
wecom_userid / dingtalk_userid, filled by the imports or by the person on their security
page).

- WeCom: `gettoken?corpid&corpsecret`, then `message/send` with a text card whose link
  opens the notification's page on this site;
- DingTalk: `gettoken?appkey&appsecret`, then `topapi/message/corpconversation/asyncsend_v2`
  with a link message.

Both answer {"errcode": 0, …}; anything else is a failed Delivery (kept, like webhooks).
Links are absolute (FANGXIAN_SITE_URL), since the apps open them outside our pages.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from .models import Delivery

log = logging.getLogger(__name__)
TIMEOUT = 5  # seconds
BATCH = 1000  # WeCom takes at most 1000 users per message, DingTalk 100 per call
DINGTALK_BATCH = 100


def wecom_enabled() -> bool:
    return bool(
        getattr(settings, "WECOM_CORP_ID", "") and getattr(settings, "WECOM_SECRET", "") and getattr(settings, "WECOM_AGENT_ID", "")
    )


def dingtalk_enabled() -> bool:
    return bool(
        getattr(settings, "DINGTALK_APP_KEY", "")
        and getattr(settings, "DINGTALK_APP_SECRET", "")
        and getattr(settings, "DINGTALK_AGENT_ID", "")
    )


def absolute(url: str) -> str:
    if not url or urlsplit(url).scheme:
        return url
    return f"{settings.SITE_URL.rstrip('/')}{url if url.startswith('/') else '/' + url}" if settings.SITE_URL else url


def messenger_ids(user_ids: list[int]) -> tuple[list[str], list[str]]:
    """The WeCom and DingTalk user ids of the people behind these accounts."""
    from fangxian.org.models import Staff, Student

    wecom: list[str] = []
    dingtalk: list[str] = []
    for model in (Staff, Student):
        for wecom_id, dingtalk_id in model.objects.filter(user_id__in=user_ids).values_list("wecom_userid", "dingtalk_userid"):
            if wecom_id:
                wecom.append(wecom_id)
            if dingtalk_id:
                dingtalk.append(dingtalk_id)
    return sorted(set(wecom)), sorted(set(dingtalk))


def _call(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310  (https API bases from settings)
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST" if data else "GET"
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        answer = json.loads(response.read() or b"{}")
    if answer.get("errcode", 0) != 0:
        raise ValueError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")
    return answer


def _deliver(channel: str, kind: str, users: list[str], text: str, send) -> Delivery:
    error = ""
    try:
        send()
    except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
        error = f"{exc.__class__.__name__}: {exc}"
        log.warning("%s app message failed: %s", channel, error)
    return Delivery.objects.create(
        channel=channel, kind=kind, target=("app:" + ",".join(users))[:300], text=text, ok=not error, error=error[:300]
    )


def send_wecom(userids: list[str], *, title: str, body: str, url: str, kind: str) -> list[Delivery]:
    base = settings.WECOM_API_BASE.rstrip("/")
    deliveries = []
    for start in range(0, len(userids), BATCH):
        chunk = userids[start : start + BATCH]

        def send(chunk=chunk):
            token = _call(f"{base}/cgi-bin/gettoken?{urlencode({'corpid': settings.WECOM_CORP_ID, 'corpsecret': settings.WECOM_SECRET})}")
            message = {
                "touser": "|".join(chunk),
                "agentid": int(settings.WECOM_AGENT_ID),
                "msgtype": "textcard",
                # WeCom refuses a text card without a link; the home page stands in.
                "textcard": {"title": title[:128], "description": (body or title)[:512], "url": absolute(url or "/"), "btntxt": "详情"},
            }
            _call(f"{base}/cgi-bin/message/send?{urlencode({'access_token': token['access_token']})}", message)

        deliveries.append(_deliver(Delivery.Channel.WECOM, kind, chunk, f"{title}\n{body}\n{absolute(url)}".strip(), send))
    return deliveries


def send_dingtalk(userids: list[str], *, title: str, body: str, url: str, kind: str) -> list[Delivery]:
    base = settings.DINGTALK_API_BASE.rstrip("/")
    deliveries = []
    for start in range(0, len(userids), DINGTALK_BATCH):
        chunk = userids[start : start + DINGTALK_BATCH]

        def send(chunk=chunk):
            query = urlencode({"appkey": settings.DINGTALK_APP_KEY, "appsecret": settings.DINGTALK_APP_SECRET})
            token = _call(f"{base}/gettoken?{query}")
            message = {
                "agent_id": int(settings.DINGTALK_AGENT_ID),
                "userid_list": ",".join(chunk),
                "msg": {
                    "msgtype": "link",
                    "link": {
                        "title": title[:64],
                        "text": (body or title)[:500],
                        "messageUrl": absolute(url or "/"),
                        "picUrl": absolute("/static/fangxian/favicon.svg"),
                    },
                },
            }
            _call(f"{base}/topapi/message/corpconversation/asyncsend_v2?{urlencode({'access_token': token['access_token']})}", message)

        deliveries.append(_deliver(Delivery.Channel.DINGTALK, kind, chunk, f"{title}\n{body}\n{absolute(url)}".strip(), send))
    return deliveries


def send_to_users(user_ids: list[int], *, title: str, body: str, url: str, kind: str) -> list[Delivery]:
    """App messages to whoever among these accounts has a user id in a configured app."""
    if not (wecom_enabled() or dingtalk_enabled()):
        return []
    wecom, dingtalk = messenger_ids(user_ids)
    deliveries: list[Delivery] = []
    if wecom and wecom_enabled():
        deliveries += send_wecom(wecom, title=title, body=body, url=url, kind=kind)
    if dingtalk and dingtalk_enabled():
        deliveries += send_dingtalk(dingtalk, title=title, body=body, url=url, kind=kind)
    return deliveries
