"""API lists page with a ceiling: an absurd limit is a large page, not a server error."""

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
