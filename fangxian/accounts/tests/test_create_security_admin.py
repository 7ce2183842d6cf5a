"""The first security admin of a new installation, by management command."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from fangxian.accounts.models import User
from fangxian.accounts.roles import Role, roles_of

pytestmark = pytest.mark.django_db
STRONG = "Wide-River-Lantern-73"


def run(**kwargs):
    out = io.StringIO()
    call_command("create_security_admin", interactive=False, stdout=out, **kwargs)
    return out.getvalue()


def test_from_environment_creates_a_security_admin_who_must_change_the_password(monkeypatch):
    monkeypatch.setenv("FANGXIAN_ADMIN_USERNAME", "zhou.security")
    monkeypatch.setenv("FANGXIAN_ADMIN_PASSWORD", STRONG)
    monkeypatch.setenv("FANGXIAN_ADMIN_FULL_NAME", "周工")
    run()
    user = User.objects.get(username="zhou.security")
    assert user.full_name == "周工"
    assert user.check_password(STRONG)
    assert user.must_change_password  # the password sat in the environment
    assert roles_of(user) == {Role.SECURITY_ADMIN}


def test_running_again_changes_nothing(monkeypatch):
    monkeypatch.setenv("FANGXIAN_ADMIN_USERNAME", "zhou.security")
    monkeypatch.setenv("FANGXIAN_ADMIN_PASSWORD", STRONG)
    run()
    out = run()
    assert "already exists" in out or "已存在" in out
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["short1!", "123456789012345", "Fangxian-River-2026", "zhou.security2026"])
def test_a_weak_password_is_refused_and_nothing_is_created(monkeypatch, password):
    monkeypatch.setenv("FANGXIAN_ADMIN_USERNAME", "zhou.security")
    monkeypatch.setenv("FANGXIAN_ADMIN_PASSWORD", password)
    with pytest.raises(CommandError):
        run()
    assert not User.objects.exists()


def test_a_reserved_username_is_refused(monkeypatch):
    monkeypatch.setenv("FANGXIAN_ADMIN_USERNAME", "admin")
    monkeypatch.setenv("FANGXIAN_ADMIN_PASSWORD", STRONG)
    with pytest.raises(CommandError):
        run()
    assert not User.objects.exists()


def test_missing_environment_is_refused(monkeypatch):
    monkeypatch.delenv("FANGXIAN_ADMIN_USERNAME", raising=False)
    monkeypatch.delenv("FANGXIAN_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError):
        run()


def test_a_second_security_admin_is_refused(monkeypatch, secadmin):
    monkeypatch.setenv("FANGXIAN_ADMIN_USERNAME", "another.admin")
    monkeypatch.setenv("FANGXIAN_ADMIN_PASSWORD", STRONG)
    with pytest.raises(CommandError):
        run()
    assert not User.objects.filter(username="another.admin").exists()


def test_interactive(monkeypatch):
    answers = iter(["li.security", "李工", "li@example.edu.cn"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": STRONG)
    out = io.StringIO()
    call_command("create_security_admin", stdout=out)
    user = User.objects.get(username="li.security")
    assert user.email == "li@example.edu.cn"
    assert not user.must_change_password
    assert user.check_password(STRONG)
    assert roles_of(user) == {Role.SECURITY_ADMIN}
