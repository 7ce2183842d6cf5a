"""Settings for the database-settings benchmark: production settings, except that static
file URLs are not looked up in a collectstatic manifest (the benchmark does not run
collectstatic; the page's database work is what it measures)."""

from fangxian.settings import *  # noqa: F403
from fangxian.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
