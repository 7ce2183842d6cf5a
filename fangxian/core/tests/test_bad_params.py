"""Every URL of the project, walked from the URL resolver, with unreadable or extreme dates
and ids in its path and its query (GET) or form (POST), as privileged users: nothing
answers 5xx. And the one parser (fangxian.core.params) itself."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from fangxian.core.params import BadParameter, date_param, datetime_param, id_param, parse_datetime_value
from fangxian.ledger.tests.conftest import ledger  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

BAD_DATES = ["2022-02-30", "0001-01-01", "9999-12-31", "2022-13-01", "abc"]  # (the first three: the kinds)
BAD_IDS = ["abc", "0", "-1", "99999999999999999999", "1.5", "١٢"]
# Names the views read dates and ids from (query and form), each given a bad value.
DATE_NAMES = ["day", "date", "date_from", "date_to", "on", "expected_return", "starts_at", "ends_at", "effective_at", "end_date", "month"]
ID_NAMES = [
    "parent",
    "period",
    "campus",
    "college",
    "unit",
    "building",
    "klass",
    "tag",
    "gate",
    "page",
    "exclude",
    "version",
    "staff",
    "student",
    "place",
    "category",
    "reason",
    "item",
    "end",
    "to_staff",
    "days",
    "form",
]
SKIP = {"logout", "login", "set_language"}  # they end or replace the session under test


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def _template(route: str) -> tuple[str, list[tuple[str, str]]] | None:
    """A route (mixing path() routes and the routers' regexes) as a format string and its
    parameters (name, converter); None if it is not a plain path."""
    params: list[tuple[str, str]] = []

    def route_param(match):
        params.append((match["name"], match["conv"] or "str"))
        return "{" + match["name"] + "}"

    def regex_group(match):
        params.append((match["name"], "regex"))
        return "{" + match["name"] + "}"

    # The routers' named groups first: their "<name>" would read as a path() parameter.
    text = _REGEX_GROUP.sub(regex_group, route)
    text = _ROUTE_PARAM.sub(route_param, text).replace("^", "").replace("$", "").replace("\\.", ".")
    if re.search(r"[()?*+\[\]\\|]", text):
        return None
    return "/" + text, params


def _values(converter: str) -> list[str]:
    if converter == "uuid":
        return [str(uuid.uuid4())]
    if converter == "int":
        return ["0", "99999999999999999999"]
    if converter == "slug":
        return ["abc", "2022-02-30"]
    return [*BAD_IDS[:4], *BAD_DATES[:3]]


def _urls():
    """(name, concrete path) for every URL pattern and every bad value its parameters take
    (one parameter varied at a time, the others given their first value)."""
    urls = []
    for route, name in _walk(get_resolver().url_patterns):
        if name in SKIP:
            continue
        built = _template(route)
        assert built is not None, f"the URL walk cannot read the pattern {route!r}: teach it"
        template, params = built
        choices = [_values(conv) for _name, conv in params]
        combos = {tuple(c[0] for c in choices)}
        for i, values in enumerate(choices):
            for value in values:
                combo = [c[0] for c in choices]
                combo[i] = value
                combos.add(tuple(combo))
        for combo in sorted(combos):
            path = template.format(**dict(zip((n for n, _c in params), combo, strict=True)))
            try:
                resolve(path)
            except Resolver404:
                continue  # the pattern refuses this value itself (an <int:> given letters): 404
            urls.append((name, path))
    return urls


def _bad_data(variant: int) -> dict[str, str]:
    dates = BAD_DATES[variant % len(BAD_DATES)]
    ids = BAD_IDS[variant % len(BAD_IDS)]
    return {**dict.fromkeys(DATE_NAMES, dates), **dict.fromkeys(ID_NAMES, ids)}


def test_every_url_with_bad_dates_and_ids_answers_without_a_server_error(uni, office, auditor, sysadmin, verified_client):
    from django.test import Client

    urls = _urls()
    assert len({name for name, _path in urls}) > 150  # the walk saw the whole project
    failures = []
    for user in (office, sysadmin, auditor):
        client = verified_client(user)
        client.raise_request_exception = False
        for n, (_name, path) in enumerate(urls):
            # The office (who sees most pages) gets the three kinds of bad date in the
            # query (no such day, year 1, year 9999); everyone bad dates and ids in a POST.
            requests = [("get", v) for v in range(3)] if user is office else [("get", n)]
            requests.append(("post", n))
            for method, variant in requests:
                data = _bad_data(variant)
                response = getattr(client, method)(path, data)
                if response.status_code >= 500:
                    failures.append(f"{user.username} {method.upper()} {path} {data['day']}/{data['parent']} → {response.status_code}")
    anonymous = Client(raise_request_exception=False)
    for _name, path in urls:
        response = anonymous.get(path, _bad_data(0))
        if response.status_code >= 500:
            failures.append(f"anonymous GET {path} → {response.status_code}")
    assert failures == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/ledger/?day=2022-02-30", "day"),
        ("/dashboard/?day=0001-01-01", "day"),
        ("/api/v1/dashboard/summary/?day=9999-12-31", "day"),
        ("/api/v1/org/coverage-gaps/?on=0001-01-01", "on"),
    ],
)
def test_a_bad_date_is_a_400_that_names_the_parameter_in_chinese(uni, office, verified_client, path, field):
    client = verified_client(office)
    response = client.get(path)
    assert response.status_code == 400
    text = response.content.decode()
    assert f"“{field}”" in text and "不是" in text


def test_the_nine_server_errors_of_the_audit(uni, ledger, office, sysadmin, auditor, verified_client, client):  # noqa: F811
    from fangxian.ledger.models import Status

    entry = ledger.on_campus(uni.students[0])
    client.force_login(uni.counselor_user)
    response = client.post(
        f"/ledger/entries/{entry.pk}/status/", {"status": Status.OUT, "version": entry.version, "expected_return": "2022-02-30"}
    )
    assert response.status_code == 400 and "expected_return" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Status.ON_CAMPUS  # nothing changed
    client = verified_client(office)
    assert client.get("/ledger/?day=2022-02-30").status_code == 400
    assert client.get("/dashboard/?day=0001-01-01").status_code == 400
    for path in ("/api/v1/org/assignments/abc/end/", "/api/v1/org/assignments/abc/handover/", "/api/v1/ledger/entries/abc/status/"):
        assert client.post(path, {}, content_type="application/json").status_code == 404
    assert client.get("/org/units/new/?parent=abc").status_code == 404
    client = verified_client(auditor)
    response = client.get("/audit/?date_to=9999-12-31")
    assert response.status_code == 200 and "请选择" in response.content.decode()


def test_the_parser():
    assert id_param("12") == 12 and id_param(" 7 ") == 7
    for bad in ("abc", "0", "-1", "1.5", "١٢", "²", "99999999999999999999", None, True, ""):
        assert id_param(bad) is None
    assert date_param("2024-02-29", "day") == date(2024, 2, 29)
    assert date_param("", "day", default=date(2024, 1, 1)) == date(2024, 1, 1)
    for bad in BAD_DATES + ["20220101", "2022-1-1", " "]:
        if bad.strip():
            with pytest.raises(BadParameter) as caught:
                date_param(bad, "day")
            assert caught.value.field == "day"
    for bad in ("2022-02-30T08:00:00", "0001-01-01T00:00:00+08:00", 10**30, float("nan"), [], "x" * 100, True):
        assert parse_datetime_value(bad) is None
    assert parse_datetime_value("2024-05-01T08:00:00+08:00").isoformat() == "2024-05-01T08:00:00+08:00"
    assert parse_datetime_value("2024-05-01T08:00:00").tzinfo is not None
    with pytest.raises(BadParameter):
        datetime_param("9999-12-31T23:59:59-12:00", "scanned_at")
    assert list(itertools.islice(_walk(get_resolver().url_patterns), 1))
