"""The guard sees who has their passes revoked and since when, not why (often sensitive);
the office that manages revocations sees the reason."""

import pytest

from fangxian.gates import services

pytestmark = pytest.mark.django_db


def test_the_guard_sees_the_holder_but_not_the_reason(world, client, verified_client, office):
    services.revoke_passes(subject=f"S{world.student.pk}", reason="疑似感染，流调中")
    client.force_login(world.guard_user)
    page = client.get("/gates/revocations/").content.decode()
    assert world.student.name in page and f"S{world.student.pk}" in page
    assert "疑似感染" not in page
    page = verified_client(office).get("/gates/revocations/").content.decode()
    assert "疑似感染，流调中" in page and world.student.name in page
