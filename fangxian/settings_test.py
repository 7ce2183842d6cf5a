"""Settings for the test suite: the normal settings with FANGXIAN_TESTING on."""

import os

os.environ["FANGXIAN_TESTING"] = "1"

from fangxian.settings import *  # noqa: E402,F403
from fangxian.settings import DATABASES, VAR_DIR  # noqa: E402

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not Django's shared in-memory database: with a file every thread (the live
    # server's request threads, the concurrency tests) has its own connection and SQLite's
    # own locking, exactly as in production. In memory, all threads share one connection,
    # and a request still running when a browser test ends breaks the next flush.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# The feature apps' tests sign leaders and college admins in without a device (force_login,
# browser_login); until they move to verified clients, the suite keeps the second factor to
# the prevention office and the admins. fangxian/accounts/tests/test_tokens.py turns the
# production set on (override_settings) and checks it.
SECOND_FACTOR_EXTRA_ROLES = []

# A feature app that lives in the test suite and plugs into the core only through the
# registries (fangxian/tests/plugin_app): the tests prove a new module needs no edit of org
# or accounts.
INSTALLED_APPS = [*INSTALLED_APPS, "fangxian.tests.plugin_app"]  # noqa: F405
ROOT_URLCONF = "fangxian.tests.urls"
