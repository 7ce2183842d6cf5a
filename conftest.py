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
# Run one after another, pytest-django orders those tests after all others, so only other
# transactional tests ever saw the emptied database. On a worker of a parallel run the order
# is the scheduler's, so the worker puts back the database as migrated before each test that
# uses it after a transactional one.


def _uses_db(item) -> tuple[bool, bool]:
    """(uses the database, transactionally), as pytest-django orders tests."""
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    transactional = transactional or "transactional_db" in fixtures or "live_server" in fixtures
    return transactional or bool(marker) or "db" in fixtures, transactional


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from fangxian.testing import remember_migrated_database

    with django_db_blocker.unblock():
        remember_migrated_database()
    yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    from fangxian import testing

    uses_db, transactional = _uses_db(item)
    if uses_db and testing.MIGRATED["emptied"] and testing.MIGRATED["snapshot"] is not None:
        testing.restore_migrated_database(item.config)
    if transactional:
        testing.MIGRATED["emptied"] = True
    return (yield)
