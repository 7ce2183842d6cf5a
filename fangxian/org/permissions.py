"""The one DRF permission class of the API: roles per method, and the write check of
`fangxian.org.access.can_write` (a read-only scope never writes).

    class EntryViewSet(viewsets.ReadOnlyModelViewSet):
        permission_classes = [RolePermission.with_roles(read=access.READERS, write=access.WRITERS)]

    @api_view(["GET"])
    @permission_classes([RolePermission.with_roles(read=access.READERS)])
    def summary(request): ...

`read` applies to GET, HEAD and OPTIONS, `write` to every other method. None means any
signed-in user (for `write`: an endpoint that changes only the caller's own rows, such as
marking their notifications read); an empty set means nobody. Objects are still looked up
in `Model.objects.visible_to(user)` (404 outside the scope). Anonymous callers get 401/403
as with IsAuthenticated. Gate devices authenticate with their own token and
permission (fangxian.gates.api.IsDevice): that is authentication, not a role.
"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework import permissions

from .access import can_write, has_any

ANYONE = None  # any signed-in user


class RolePermission(permissions.BasePermission):
    # The default of every endpoint (settings.REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES):
    # any signed-in user reads, nobody writes — an endpoint that writes says who may.
    read_roles: frozenset[str] | None = ANYONE
    write_roles: frozenset[str] | None = frozenset()

    @classmethod
    def with_roles(cls, *, read: Iterable[str] | None = ANYONE, write: Iterable[str] | None = ()) -> type[RolePermission]:
        """A RolePermission for these role sets (`write` defaults to nobody: a read-only endpoint)."""
        return type(
            "RolePermission",
            (cls,),
            {
                "read_roles": None if read is None else frozenset(read),
                "write_roles": None if write is None else frozenset(write),
            },
        )

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return self.read_roles is None or has_any(user, self.read_roles)
        if view is not None and not hasattr(view, request.method.lower()):
            return True  # a method the endpoint does not have: 405, as before any role check
        return self.write_roles is None or can_write(user, self.write_roles)
