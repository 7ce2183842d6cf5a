"""Settings for the test suite: the normal settings with FANGXIAN_TESTING on."""

import os

os.environ["FANGXIAN_TESTING"] = "1"
os.environ.setdefault("FANGXIAN_SQLITE_PATH", ":memory:")

from fangxian.settings import *  # noqa: E402,F403
