"""Who may open what: anonymous users are sent to sign in, users without a reporting role
get 403, POST-only views refuse GET with 405, and units outside the scope are 404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from fangxian.reports import services

TODAY = timezone.localdate().isoformat()


def page_urls(rep):
    sub = services.submission_save(
        user=rep.uni.college_admin_user, form=rep.form, unit=rep.uni.college, day=timezone.localdate(), **rep.zero_report()
    )
    return [
        reverse("reports:index"),
        reverse("reports:fill", args=["college-daily", rep.uni.college.pk, TODAY]),
        reverse("reports:detail", args=[sub.pk]),
        reverse("reports:overview"),
        reverse("reports:completeness", args=["college-daily"]),
        reverse("reports:calendar", args=["college-daily"]),
        reverse("reports:trends", args=["college-daily"]),
        reverse("reports:summaries"),
        reverse("reports:forms"),
        reverse("reports:form_create"),
        reverse("reports:version_create", args=["college-daily"]),
    ]


def test_anonymous_is_sent_to_sign_in(client, rep):
    for url in page_urls(rep):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_no_reporting_role_is_403(client, rep, plain_user):
    client.force_login(plain_user)
    for url in page_urls(rep):
        assert client.get(url).status_code == 403, url


def test_office_pages_are_office_only(client, rep):
    client.force_login(rep.uni.college_admin_user)
    urls = page_urls(rep)
    for url in urls[7:]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("reports:summary_generate"), {"day": TODAY}).status_code == 403


@pytest.mark.parametrize("name", ["summary_generate"])
def test_post_only(verified_client, office, rep, name):
    assert verified_client(office).get(reverse(f"reports:{name}")).status_code == 405


def test_another_colleges_report_is_404(client, rep):
    other = services.submission_save(
        user=rep.other_admin_user,
        form=rep.form,
        unit=rep.uni.other_college,
        day=timezone.localdate(),
        **rep.zero_report(total=2, male=2),
    )
    client.force_login(rep.uni.college_admin_user)
    assert client.get(reverse("reports:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("reports:trends", args=["college-daily"]), {"unit": rep.uni.other_college.pk}).status_code == 404


def test_download_of_a_missing_summary_is_404(verified_client, office, rep):
    assert verified_client(office).get(reverse("reports:summary_download", args=[TODAY, "xlsx"])).status_code == 404
    assert verified_client(office).get(reverse("reports:summary_download", args=[TODAY, "exe"])).status_code == 404
