import os
import subprocess
import sys
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["fangxian.testing", "fangxian.org.testing"]

# `make test` runs the suite on pytest-xdist workers (`-n 2 --dist loadgroup`), each with a
# database of its own. The browser tests form one group, so that one worker runs them all
# (one Chromium and one live server at a time, the way they were written to run) while the
# other worker runs the rest.
BROWSER_GROUP = "browser"


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    # Tests read the compiled catalogues (.mo, git-ignored); compile them so that a plain
    # `pytest` after editing a .po file does not test yesterday's translations. Only once per
    # run: under xdist the controller compiles before it starts the workers, and workers
    # compiling the same files again would rewrite them under each other's feet.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    script = Path(__file__).parent / "scripts" / "compile_messages.py"
    subprocess.run([sys.executable, str(script)], check=True, stdout=subprocess.DEVNULL)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(BROWSER_GROUP))


# ---------------------------------------------------------------------------
# The migrated database, again after a transactional test
#
# A transactional test (live server, browser, threads with their own connections) ends by
# emptying every table, and with them the rows the migrations ship (the daily report forms).
# Run one after another, pytest-django orders those tests after all others, so no test ever
# saw the emptied database. On a worker of a parallel run the order is the scheduler's, so
# the worker puts back the database as migrated before the next test that uses it.


def _uses_db(item) -> tuple[bool, bool]:
    """(uses the database, transactionally), as pytest-django orders tests."""
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    transactional = transactional or "transactional_db" in fixtures or "live_server" in fixtures
    return transactional or bool(marker) or "db" in fixtures, transactional


_MIGRATED: dict[str, object] = {"snapshot": None, "emptied": False}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        _MIGRATED["snapshot"] = connection.creation.serialize_db_to_string()
    yield


def _restore_migrated(config) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        # The flush after the test re-created content types and permissions under new ids;
        # empty again without that, then load the rows exactly as migrated.
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(_MIGRATED["snapshot"])
    ContentType.objects.clear_cache()
    _MIGRATED["emptied"] = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    uses_db, transactional = _uses_db(item)
    if uses_db and _MIGRATED["emptied"] and _MIGRATED["snapshot"] is not None:
        _restore_migrated(item.config)
    if transactional:
        _MIGRATED["emptied"] = True
    return (yield)
