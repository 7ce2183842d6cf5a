"""Every registered field with a mask is masked in lists, pages, exports and the API for
every role (a full value only through "show" with a reason, or in the person's own data)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from fangxian.core.personal import mask_value, masked_fields
from fangxian.ledger.tests.conftest import ledger  # noqa: F401  (fixture)
from fangxian.testing import api_client


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    return response.content.decode()


@pytest.fixture
def world(ledger, make_user):  # noqa: F811
    uni = ledger.uni
    entry = ledger.on_campus(uni.students[0], emergency_phone="13712345678", parent_phone="13687654321")
    users = {
        "office": make_user("office-m", "prevention_office"),
        "leader": make_user("leader-m", "leader"),
        "inspector": make_user("inspector-m", "discipline"),
        "college": uni.college_admin_user,
        "counselor": uni.counselor_user,
    }
    return uni, entry, users


def _secrets(uni, entry) -> list[str]:
    values = []
    for obj in [*uni.students, uni.counselor, entry.application]:
        label = f"{obj._meta.app_label}.{obj._meta.model_name}"
        for name, mask in masked_fields(label).items():
            value = getattr(obj, name)
            if value and mask in ("id_number", "phone"):
                assert mask_value(value, mask) != value
                values.append(str(value))
    return values


def test_lists_pages_exports_and_the_api_show_masked_numbers_to_every_role(world, settings):
    settings.REQUIRE_TOTP = False
    uni, entry, users = world
    secrets = _secrets(uni, entry)
    assert "13712345678" in secrets and uni.students[0].id_number in secrets
    pages = [
        "/org/students/",
        f"/org/students/{uni.students[0].pk}/",
        "/org/staff/",
        f"/org/staff/{uni.counselor.pk}/",
        f"/ledger/entries/{entry.pk}/",
        "/ledger/",
        "/ledger/export/",
        "/ledger/approvals/",
    ]
    api = ["/api/v1/org/students/", "/api/v1/org/staff/", "/api/v1/ledger/applications/", "/api/v1/ledger/entries/"]
    checked = 0
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        responses = [client.get(url) for url in pages] + [api_client(user).get(url) for url in api]
        for url, response in zip(pages + api, responses, strict=True):
            if response.status_code != 200:
                continue
            body = _text(response)
            leaked = [s for s in secrets if s in body]
            assert leaked == [], f"{role} sees {leaked} in full on {url}"
            checked += 1
    assert checked >= 30  # the surfaces were really read, not refused
