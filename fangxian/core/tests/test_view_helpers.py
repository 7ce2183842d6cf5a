"""The view helpers every app shares (fangxian.core.views) and the `?day=` reader
(fangxian.core.params.day_param)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from fangxian.core.forms import Form
from fangxian.core.params import BadParameter, day_param
from fangxian.core.views import error_text, form_errors, safe_next


class PlaceForm(Form):
    name = forms.CharField()
    staff = forms.CharField(required=False, widget=forms.HiddenInput)


def _bound() -> PlaceForm:
    form = PlaceForm({"name": "东门", "staff": "7"})
    assert form.is_valid()
    return form


def test_a_field_error_goes_beside_its_field_and_an_unknown_field_above_the_form():
    form = _bound()
    form_errors(form, ValidationError({"name": "名称已被使用。", "code": "代码重复。"}))
    assert form.errors["name"] == ["名称已被使用。"]
    assert form.non_field_errors() == ["代码重复。"]


def test_a_field_the_form_only_carries_hidden_can_be_kept_above_the_form():
    form = _bound()
    form_errors(form, ValidationError({"staff": "此人已离职。"}), non_field=("staff",))
    assert "staff" not in form.errors
    assert form.non_field_errors() == ["此人已离职。"]


def test_an_error_without_fields_goes_above_the_form_and_reads_as_one_line():
    form = _bound()
    exc = ValidationError(["第一个问题。", "第二个问题。"])
    form_errors(form, exc)
    assert form.non_field_errors() == ["第一个问题。", "第二个问题。"]
    assert error_text(exc) == "第一个问题。 第二个问题。"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/ledger/mine/?q=1", "/ledger/mine/?q=1"),
        ("https://evil.example/", "/fallback/"),
        ("//evil.example/", "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_next_is_followed_only_within_the_site(next_url, expected):
    rf = RequestFactory()
    assert safe_next(rf.post("/x/", {"next": next_url}), "/fallback/") == expected
    assert safe_next(rf.get("/x/", {"next": next_url}), "/fallback/") == expected


def test_the_form_s_next_comes_before_the_query_s():
    request = RequestFactory().post("/x/?next=/from-query/", {"next": "/from-form/"})
    assert safe_next(request) == "/from-form/"


def test_day_reads_the_query_then_the_form_and_defaults_to_today():
    rf = RequestFactory()
    today = timezone.localdate()
    assert day_param(rf.get("/x/", {"day": "2022-07-14"})) == date(2022, 7, 14)
    assert day_param(rf.post("/x/", {"day": "2022-07-15"})) == date(2022, 7, 15)
    assert day_param(rf.get("/x/")) == today
    assert day_param(rf.get("/x/"), default=date(2022, 1, 1)) == date(2022, 1, 1)
    later = (today + timedelta(days=3)).isoformat()
    assert day_param(rf.get("/x/", {"day": later})) == today + timedelta(days=3)
    assert day_param(rf.get("/x/", {"day": later}), at_most_today=True) == today


@pytest.mark.parametrize("value", ["2022-02-30", "0001-01-01", "abc"])
def test_an_unreadable_day_is_a_bad_parameter_naming_it(value):
    with pytest.raises(BadParameter) as raised:
        day_param(RequestFactory().get("/x/", {"on": value}), "on")
    assert raised.value.field == "on"
