"""The API's date-time field answers the edge of the calendar with a 400, not a 500."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from fangxian.core.api_fields import DateTimeField


@pytest.mark.parametrize("value", ["0001-01-01", "0001-01-01T00:00:00", "0001-01-01T00:00:00+08:00"])
def test_year_one_is_a_validation_error(value):
    with pytest.raises(serializers.ValidationError) as caught:
        DateTimeField().run_validation(value)
    assert caught.value.detail[0].code == "overflow"


def test_an_ordinary_time_is_read_in_the_local_zone():
    assert DateTimeField().run_validation("2024-05-01T08:00:00").isoformat() == "2024-05-01T08:00:00+08:00"


def test_the_assignment_api_refuses_year_one_saying_where(uni, office):
    from fangxian.testing import api_client

    client = api_client(office)
    response = client.post(
        "/api/v1/org/assignments/",
        {"staff": uni.counselor.pk, "role": "counselor", "unit": uni.klass.pk, "starts_at": "0001-01-01"},
        format="json",
    )
    assert response.status_code == 400 and "starts_at" in response.json()
