"""Settings for the gate benchmark: the normal settings with a URLconf that adds the
reference view (bench/gates_urls.py)."""

from fangxian.settings import *  # noqa: F403

ROOT_URLCONF = "bench.gates_urls"
