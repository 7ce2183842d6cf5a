"""StatelessShortcutMiddleware: views marked @stateless under /api/ skip the session and
user middlewares; everything else goes down the whole stack."""

from __future__ import annotations

import pytest
from django.http import JsonResponse
from django.test import override_settings
from django.urls import path

from fangxian.core.middleware import stateless
from fangxian.urls import urlpatterns as app_urlpatterns

pytestmark = pytest.mark.django_db


def _report(request):
    return JsonResponse(
        {
            "session": hasattr(request, "session"),
            "user": hasattr(request, "user"),
            "language": request.LANGUAGE_CODE,
            "matched": request.resolver_match.url_name,
        }
    )


short = stateless(lambda request: _report(request))
full = lambda request: _report(request)  # noqa: E731

urlpatterns = [
    path("api/short/", short, name="short"),
    path("api/full/", full, name="full"),
    path("short-outside-api/", stateless(lambda request: _report(request)), name="outside"),
    *app_urlpatterns,  # the error pages link to the application's pages
]


@override_settings(ROOT_URLCONF=__name__)
def test_stateless_views_skip_the_session_and_user_middlewares(client):
    answer = client.get("/api/short/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer == {"session": False, "user": False, "language": "en", "matched": "short"}
    again = client.get("/api/short/")
    assert again.json()["language"] == "zh-hans" and again["Content-Length"] == str(len(again.content))
    assert again["X-Request-ID"] and again["Cache-Control"] == "no-store, private"


@override_settings(ROOT_URLCONF=__name__)
def test_other_views_and_paths_go_down_the_whole_stack(client):
    assert client.get("/api/full/").json()["session"] is True
    # The mark counts under /api/ only: elsewhere pages are for browsers.
    assert client.get("/short-outside-api/").json()["session"] is True
    assert client.get("/api/nowhere/").status_code == 404
    # Without the slash: CommonMiddleware's redirect, as for any page.
    assert client.get("/api/short").status_code == 301


def test_the_audit_context_connects_no_receiver_per_request(client, monkeypatch, sysadmin, verified_client):
    """One receiver serves every request: connecting one per request (as auditlog's own
    middleware does) would empty every model signal's receiver cache each time."""
    from django.db.models.signals import pre_save

    signed_in = verified_client(sysadmin)
    assert signed_in.get("/settings/").status_code == 200  # the handler and its middlewares are made
    client.get("/healthz")
    calls = []
    for name in ("connect", "disconnect"):
        original = getattr(pre_save, name)
        monkeypatch.setattr(pre_save, name, lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k))
    signed_in.get("/settings/")
    client.get("/healthz")
    assert calls == []
