"""View guards. Pages check roles here; objects are checked by their app's scoped
selectors, which answer 404 for anything outside the user's scope."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .roles import roles_of


def require_roles(*roles: str):
    """Signed-in users holding one of `roles` may pass; others get 403, anonymous users
    the login page."""

    wanted = set(roles)

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not roles_of(request.user) & wanted:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_roles = frozenset(wanted)
        return wrapped

    return decorator
