"""API lists page with a ceiling, and their number filters stay within the database's integers:
an absurd limit is a large page and an absurd id finds nothing, never a server error."""

import pytest

from fangxian.org.testing import MiniUniversity


@pytest.mark.django_db
def test_a_limit_beyond_the_database_integers_gives_the_largest_page(office, verified_client):
    MiniUniversity()
    client = verified_client(office)
    response = client.get("/api/v1/org/students/", {"limit": "1686482818457546652647424", "offset": "1"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5 and len(body["results"]) == 4


@pytest.mark.django_db
def test_a_unit_filter_beyond_the_database_integers_finds_nothing(office, verified_client):
    client = verified_client(office)
    response = client.get("/api/v1/reports/submissions/", {"unit": "11162703503118957543424"})
    assert response.status_code == 200 and response.json()["results"] == []
