"""The authorization matrix (see fangxian/testing_authz.py): every named URL of the project ×
every demo role × {in-scope object, out-of-scope object, anonymous}."""

from __future__ import annotations

import copy

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice

from fangxian.accounts.roles import PRIVILEGED_ROLES, roles_of
from fangxian.org.testing import MiniUniversity
from fangxian.testing_authz import ANONYMOUS, ROLES, all_entries, url_names

ENTRIES = all_entries()


class World:
    """The mini university and one signed-in client per demo role."""

    def __init__(self, make_user):
        self.uni = MiniUniversity()
        self.users = {
            "office": make_user("office1", "prevention_office"),
            "leader": make_user("leader1", "leader"),
            "inspector": make_user("inspector1", "discipline"),
            "sysadmin": make_user("sysadmin1", "system_admin"),
            "secadmin": make_user("secadmin1", "security_admin"),
            "auditor": make_user("auditor1", "audit_admin"),
            "college": self.uni.college_admin_user,
            "counselor": self.uni.counselor_user,
            "guard": self.uni.guard_user,
            "student": self.uni.student_user,
        }
        self.clients = {}
        for role, user in self.users.items():
            client = Client()
            client.force_login(user)
            if roles_of(user) & PRIVILEGED_ROLES:
                device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
                session = client.session
                session["otp_device_id"] = device.persistent_id
                session.save()
            self.clients[role] = client
        self.clients[ANONYMOUS] = Client()


@pytest.fixture
def world(db, make_user, media_root):
    # media_root: files that pages write (photos) go to a temporary folder.
    return World(make_user)


def _call(client: Client, method: str, url: str, data: dict | None):
    """One request whose effects are rolled back, so that every role meets the same data
    (a successful delete must not hide the object from the next role)."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, data or {})
        transaction.set_rollback(True)
    client.cookies = cookies
    return response.status_code


def _matches(status: int, expected) -> bool:
    return status in expected if isinstance(expected, tuple) else status == expected


def test_every_url_has_an_entry():
    names, unnamed = url_names()
    declared = [entry.name for entry in ENTRIES]
    missing = sorted(names - set(declared))
    stale = sorted(set(declared) - names)
    duplicated = sorted({name for name in declared if declared.count(name) > 1})
    assert not missing, f"URLs without an entry in fangxian/<app>/tests/authz.py: {missing}"
    assert not stale, f"entries for URLs that do not exist: {stale}"
    assert not duplicated, f"URLs with two entries: {duplicated}"
    assert not unnamed, f"URL patterns without a name cannot be checked: {unnamed}"


def test_every_entry_names_every_role():
    for entry in ENTRIES:
        assert set(entry.get) == set(ROLES), entry.name
        if entry.post is not None:
            assert set(entry.post) == set(ROLES), entry.name


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.name for entry in ENTRIES])
def test_matrix(entry, world):
    mismatches = []
    variants = ["in", "out"] if entry.kwargs is not None and entry.scoped else ["in"]
    methods = ["GET"] + (["POST"] if entry.post is not None else [])
    for which in variants:
        for role in (*ROLES, ANONYMOUS):
            user = world.users.get(role)
            kwargs = entry.kwargs(world, user, which) if entry.kwargs else {}
            url = reverse(entry.name, kwargs=kwargs) + (f"?{entry.query}" if entry.query else "")
            for method in methods:
                if role == ANONYMOUS:
                    if which == "out":
                        continue
                    expected = entry.anonymous_get if method == "GET" else (entry.anonymous_post or entry.anonymous_get)
                elif which == "in":
                    expected = (entry.get if method == "GET" else entry.post)[role]
                else:
                    expected = entry.expected_out(role, method)
                data = entry.data(world, user, which) if (method == "POST" and entry.data) else None
                status = _call(world.clients[role], method, url, data)
                if not _matches(status, expected):
                    mismatches.append(f"{method} {url} as {role} ({which}-scope): {status}, expected {expected}")
    assert not mismatches, "\n".join(mismatches)
