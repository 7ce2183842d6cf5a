"""Long lists say when they show only their first rows; the login page says what the
username is and how to get a lost password."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from fangxian.notify.models import Notification
from fangxian.web.lists import first_n

pytestmark = pytest.mark.django_db


def test_first_n_knows_the_total_only_when_truncated(make_user, django_assert_num_queries):
    user = make_user("many")
    Notification.objects.bulk_create([Notification(user=user, kind="t", title=str(n)) for n in range(7)])
    rows = Notification.objects.filter(user=user)
    with django_assert_num_queries(2):
        shown = first_n(rows, 5)
    assert (len(shown), shown.truncated, shown.total) == (5, True, 7)
    assert "仅显示前 5 条，共 7 条。" in render_to_string("_first_n.html", {"rows": shown})
    with django_assert_num_queries(1):
        whole = first_n(rows, 10)
    assert (len(whole), whole.truncated, whole.total) == (7, False, 7)
    assert render_to_string("_first_n.html", {"rows": whole}).strip() == ""


def test_login_page_says_what_the_username_is_and_how_to_recover_a_password(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "学号" in page and "工号" in page and "忘记密码" in page
