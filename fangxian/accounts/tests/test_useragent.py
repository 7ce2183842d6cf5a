"""The sessions list names the browser and system instead of the raw User-Agent."""

from __future__ import annotations

import pytest
from django.utils import translation

from fangxian.accounts.useragent import describe_user_agent

CASES = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Chrome 131 · Windows",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
        "Edge 131 · Windows",
    ),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 · macOS"),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Safari 18 · macOS",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Safari 18 · iPhone",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
        "MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN",
        "微信 · iPhone",
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; V2183A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
        "Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F36) "
        "WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
        "微信 · Android",
    ),
    (
        "Mozilla/5.0 (Linux; U; Android 12; zh-CN; PFJM10 Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.33 Mobile Safari/537.36 AliApp(DingTalk/7.0.40) com.alibaba.android.rimet/0 "
        "Channel/227200 language/zh-CN abi/64 UT4Aplus/0.2.25 colorScheme/light",
        "钉钉 · Android",
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SM-S9180) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36",
        "Chrome 131 · Android",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 "
        "Mobile/15E148 Safari/604.1",
        "Chrome 131 · iPhone",
    ),
    ("", "未知设备"),
    ("curl/8.5.0", "未知设备"),
]


@pytest.mark.parametrize(("ua", "expected"), CASES)
def test_describe_user_agent(ua, expected):
    with translation.override("zh-hans"):
        assert describe_user_agent(ua) == expected


@pytest.mark.django_db
def test_security_page_shows_the_device_and_keeps_the_raw_header_as_title(client, django_user_model):
    from fangxian.accounts.models import LoginSession

    ua = CASES[0][0]
    user = django_user_model.objects.create_user(username="ua-check", password="Correct-Horse-9-battery")
    client.force_login(user)
    LoginSession.objects.filter(user=user).delete()
    LoginSession.objects.create(user=user, session_key=client.session.session_key, user_agent=ua, ip_address="127.0.0.1")
    html = client.get("/accounts/security/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'title="{ua}"' in html
    assert ">Chrome 131 · Windows<" in html
    assert html.count(ua) == 1  # only in the title attribute
