"""Authorization matrix entries for deadlines (see fangxian/testing_authz.py). The overdue
list is for staff who follow work through (guards hold the staff role too); each row is scoped by the kind's owning app, so
the page itself has no object out of scope."""

from __future__ import annotations

from fangxian.testing_authz import Entry, expect

ENTRIES = [
    Entry(
        "deadlines:overdue",
        get=expect(403, office=200, leader=200, inspector=200, college=200, counselor=200, guard=200),
        scoped=False,
    ),
]
