"""Test helpers shared by every app: the cast of users and the browser.

Loaded as a pytest plugin from the root conftest.py. Nothing here runs in production.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import factory
import pytest
from django.conf import settings

from fangxian.accounts.models import RoleGrant, User

ARTIFACTS = Path(os.environ.get("FANGXIAN_TEST_ARTIFACTS", Path(settings.BASE_DIR) / "test-artifacts"))
PASSWORD = "Correct-Horse-42!"  # noqa: S105  (test accounts only)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        for role in extracted or ():
            RoleGrant.objects.get_or_create(user=self, role=role)


@pytest.fixture(autouse=True)
def _empty_process_caches():
    """Each test starts without what an earlier test left in process-local caches."""
    from fangxian.core.caches import clear_all

    clear_all()
    yield


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite file with every migration applied, made once per test process for the tests
    that start the project in subprocesses with a folder of their own (FANGXIAN_VAR_DIR):
    each copies it with `copy_migrated` instead of migrating again (seconds of CPU each)."""
    folder = tmp_path_factory.mktemp("migrated")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FANGXIAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env = {**clean, "FANGXIAN_DEBUG": "1", "FANGXIAN_VAR_DIR": str(folder), "DJANGO_SETTINGS_MODULE": "fangxian.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], env=env, cwd=settings.BASE_DIR, check=True, timeout=300)
    return folder / "fangxian.sqlite3"


def copy_migrated(template: Path, var_dir: Path) -> None:
    """Put the migrated database where the project in FANGXIAN_VAR_DIR=`var_dir` looks for it,
    with the development key it was set up with: `migrate` records the key's fingerprint, and
    a node with another key refuses to start (core.keys)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, var_dir / "fangxian.sqlite3")
    shutil.copyfile(template.parent / "secret.key", var_dir / "secret.key")


# The database as migrated (the rows migrations ship, content types, permissions), kept
# to put back after a transactional test emptied it (see conftest.py).
MIGRATED: dict[str, object] = {"snapshot": None, "emptied": False}


def remember_migrated_database() -> None:
    from django.db import connection

    MIGRATED["snapshot"] = connection.creation.serialize_db_to_string()


def restore_migrated_database(config) -> None:
    from auditlog.context import disable_auditlog
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        # The flush after the test re-created content types and permissions under new ids;
        # empty again without that, then load the rows exactly as migrated. The snapshot
        # holds the change log of what migrate wrote (the key fingerprint): loading its rows
        # must not log them again, and on PostgreSQL the sequences, which flush set back to 1,
        # must move past the ids just loaded.
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
        with disable_auditlog():
            connection.creation.deserialize_db_from_string(MIGRATED["snapshot"])
        statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
    ContentType.objects.clear_cache()
    MIGRATED["emptied"] = False


@pytest.fixture
def make_user(db):
    def make(username: str | None = None, *roles: str, **fields) -> User:
        if username is not None:
            fields["username"] = username
        return UserFactory(roles=roles, **fields)

    return make


@pytest.fixture
def office(make_user):
    return make_user("office1", "prevention_office")


@pytest.fixture
def secadmin(make_user):
    return make_user("secadmin1", "security_admin")


@pytest.fixture
def auditor(make_user):
    return make_user("auditor1", "audit_admin")


@pytest.fixture
def sysadmin(make_user):
    return make_user("sysadmin1", "system_admin")


@pytest.fixture
def plain_user(make_user):
    return make_user("plain1")


@pytest.fixture
def verified_client(client):
    """A test client logged in past the second factor, for privileged users."""

    def login(user: User):
        from django_otp.plugins.otp_static.models import StaticDevice

        client.force_login(user)
        device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    return login


# ---------------------------------------------------------------------------
# Browser


def api_client(user):
    """A DRF client with a fresh access token of `user`, as a program would hold one; a role
    that needs the second factor gets an enrolled device first (tokens need it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.test import APIClient

    from fangxian.accounts import services
    from fangxian.accounts.middleware import second_factor_required

    if second_factor_required(user) and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    _token, raw = services.token_create(user=user, name="test", days=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class PageWatch:
    """Records what a page asked for and what it complained about."""

    def __init__(self, origin: str):
        self.origin = origin
        self.requests: list[str] = []
        self.console_errors: list[str] = []

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not (url.startswith(self.origin) or url.startswith("data:"))]


@pytest.fixture
def page_factory(browser, live_server):
    contexts = []

    def make(viewport: dict | None = None, locale: str = "zh-CN"):
        context = browser.new_context(viewport=viewport or DESKTOP, locale=locale, base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watch = PageWatch(live_server.url)
        page.on("request", lambda request: watch.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and watch.console_errors.append(message.text))
        page.on("pageerror", lambda error: watch.console_errors.append(str(error)))
        page.watch = watch
        return page

    yield make
    for context in contexts:
        context.close()


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
