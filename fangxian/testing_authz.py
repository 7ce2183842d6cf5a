"""The authorization matrix: every named URL × every demo role × {in-scope object,
out-of-scope object, anonymous}.

Each app declares its URLs in `fangxian/<app>/tests/authz.py` as a list `ENTRIES` of
`Entry`. The matrix test (fangxian/tests/test_authz_matrix.py) walks the project's URL
configuration and fails for any named URL without an entry, so a new page cannot ship
without saying who may open it.

An entry gives the expected status per role for GET on the in-scope object, and for POST
where the URL takes one. For the out-of-scope object the expectation is derived: roles that
see the whole institution get the same answer; for the others, whatever succeeded on the
in-scope object must be 404 (never 403 with a hint) — override with `out` when a page says
something else on purpose.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

# The demo roles, by the username the cast gives them.
ROLES = ("office", "leader", "college", "counselor", "guard", "inspector", "student", "sysadmin", "secadmin", "auditor")
ANONYMOUS = "anonymous"
# Roles whose scope is the whole institution: nothing is out of their scope.
WHOLE_INSTITUTION = frozenset({"office", "leader", "inspector"})
SUCCESS = frozenset({200, 201, 204, 302})

Expected = int | tuple[int, ...]


def expect(default: Expected, **per_role: Expected) -> dict[str, Expected]:
    """A full role → status map: `default` for every role not named."""
    unknown = set(per_role) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return {role: per_role.get(role, default) for role in ROLES}


@dataclass
class Entry:
    """One URL name. `kwargs(world, user, which)` builds the URL arguments for
    which = "in" or "out"; `data(world, user, which)` the POST body; `query` a query string."""

    name: str
    get: dict[str, Expected]
    post: dict[str, Expected] | None = None
    kwargs: Callable | None = None
    data: Callable | None = None
    query: str = ""
    anonymous_get: Expected = 302
    anonymous_post: Expected | None = None  # defaults to anonymous_get's "not allowed" answer
    scoped: bool = True  # False: the object is not subject to the org scope (only "in")
    out_get: dict[str, Expected] = field(default_factory=dict)
    out_post: dict[str, Expected] = field(default_factory=dict)

    def expected_out(self, role: str, method: str) -> Expected:
        inside = (self.get if method == "GET" else self.post)[role]
        overrides = self.out_get if method == "GET" else self.out_post
        if role in overrides:
            return overrides[role]
        if role in WHOLE_INSTITUTION:
            return inside
        statuses = inside if isinstance(inside, tuple) else (inside,)
        return 404 if any(s in SUCCESS for s in statuses) else inside


def url_names(resolver: URLResolver | None = None, prefix: str = "") -> tuple[set[str], list[str]]:
    """All view names of the project ("namespace:name"), and the routes that have no name."""
    resolver = resolver or get_resolver()
    names: set[str] = set()
    unnamed: list[str] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            inner_names, inner_unnamed = url_names(pattern, namespace)
            names |= inner_names
            unnamed += inner_unnamed
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                names.add(prefix + pattern.name)
            else:
                unnamed.append(str(pattern.pattern))
    return names, unnamed


def all_entries() -> list[Entry]:
    """Every app's entries (fangxian.<app>.tests.authz.ENTRIES), in app order."""
    entries: list[Entry] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("fangxian."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.authz")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tests.authz":
                raise
            continue
        entries.extend(module.ENTRIES)
    return entries
