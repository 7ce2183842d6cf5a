"""Settings for the database-settings benchmark: production settings, except that static
file URLs are not looked up in a collectstatic manifest (the benchmark does not run
collectstatic; the page's database work is what it measures)."""

from fangxian.settings import *  # noqa: F403
from fangxian.settings import STATIC_ROOT, STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# WhiteNoise warns on every request when the collectstatic directory does not exist.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
