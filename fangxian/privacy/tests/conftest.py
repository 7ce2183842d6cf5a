"""The dashboard's small demo (mini university, stay ledger, gates, reports) for the purge tests."""

from fangxian.dashboard.tests.conftest import (  # noqa: F401  (fixtures)
    _fresh_caches,
    dash,
    headcount_prefill,
    ledger,
    rep,
    world,
)
