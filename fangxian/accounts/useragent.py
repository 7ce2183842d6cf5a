"""A short, readable description of a User-Agent header for the sessions list.

Users recognise "Chrome 131 · Windows" or "微信 · iPhone", not the raw header. Order matters:
in-app browsers (WeChat, DingTalk) and Edge announce themselves on top of a Chrome or Safari
token, so they are looked for first.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_BROWSERS = [
    # (pattern, name, whether to show the version)
    (re.compile(r"MicroMessenger/(\d+)"), "wechat", False),
    (re.compile(r"DingTalk/(\d+)"), "dingtalk", False),
    (re.compile(r"Edg(?:e|A|iOS)?/(\d+)"), "Edge", True),
    (re.compile(r"(?:OPR|Opera)/(\d+)"), "Opera", True),
    (re.compile(r"(?:Firefox|FxiOS)/(\d+)"), "Firefox", True),
    (re.compile(r"(?:Chrome|CriOS)/(\d+)"), "Chrome", True),
    (re.compile(r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/"), "Safari", True),
]

_SYSTEMS = [
    (re.compile(r"iPhone"), "iPhone"),
    (re.compile(r"iPad"), "iPad"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"HarmonyOS|OpenHarmony"), "HarmonyOS"),
    (re.compile(r"Linux"), "Linux"),
]


def describe_user_agent(ua: str | None) -> str:
    """E.g. "Chrome 131 · Windows", "微信 · iPhone"; "未知设备" when nothing is recognised."""
    ua = (ua or "").strip()
    browser = ""
    for pattern, name, versioned in _BROWSERS:
        match = pattern.search(ua)
        if match:
            if name == "wechat":
                browser = _("WeChat")
            elif name == "dingtalk":
                browser = _("DingTalk")
            else:
                browser = f"{name} {match.group(1)}" if versioned else name
            break
    system = next((name for pattern, name in _SYSTEMS if pattern.search(ua)), "")
    parts = [p for p in (browser, system) if p]
    return " · ".join(parts) if parts else _("Unknown device")
