"""Authorization matrix entries for the audit log (see fangxian/testing_authz.py)."""

from fangxian.testing_authz import Entry, expect

ENTRIES = [
    Entry("audit:log", get=expect(403, auditor=200)),
]
