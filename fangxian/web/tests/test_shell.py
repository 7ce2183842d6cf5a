import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["database"]["ok"] is True
    assert body["queue"]["backend"] == "MemoryHuey"


def test_home_shows_navigation_for_roles(client, auditor, verified_client):
    c = verified_client(auditor)
    response = c.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-nav="audit"' in html
    assert 'data-nav="users"' not in html
