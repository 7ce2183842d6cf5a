"""Every API endpoint asks the one permission class (fangxian.org.permissions.RolePermission)
for its roles; only the two token kinds that are not a user (a gate device, a refresh
token) have a permission of their own."""

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIRequestFactory

from fangxian.accounts.api import IsRefreshToken
from fangxian.gates.api import IsDevice
from fangxian.org.permissions import RolePermission

NOT_A_USER = (IsDevice, IsRefreshToken)


def _api_views(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/"):
            yield route, pattern.callback


def test_every_endpoint_uses_role_permission():
    seen = 0
    for route, callback in _api_views():
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        assert view_class is not None, f"{route} is not a DRF view"
        classes = view_class.permission_classes
        assert any(issubclass(c, RolePermission) for c in classes) or any(issubclass(c, NOT_A_USER) for c in classes), f"{route}: {classes}"
        seen += 1
    assert seen > 20


def _allowed(permission, user, method):
    request = APIRequestFactory().generic(method, "/")
    request.user = user
    return permission().has_permission(request, view=None)


def test_roles_per_method_and_read_only_scopes_never_write(make_user):
    office = make_user("office-p", "prevention_office")
    leader = make_user("leader-p", "leader")
    plain = make_user("plain-p")
    permission = RolePermission.with_roles(read={"leader", "prevention_office"}, write={"leader", "prevention_office"})
    assert _allowed(permission, leader, "GET") and _allowed(permission, office, "GET")
    assert _allowed(permission, office, "POST")
    assert not _allowed(permission, leader, "POST")  # named, but a leader's scope is read-only
    assert not _allowed(permission, plain, "GET")
    # The default: any signed-in user reads, nobody writes.
    assert _allowed(RolePermission, plain, "GET") and not _allowed(RolePermission, office, "POST")
    # write=None: any signed-in user (their own rows).
    own = RolePermission.with_roles(read=None, write=None)
    assert _allowed(own, plain, "POST") and _allowed(own, leader, "DELETE")


def test_a_method_the_endpoint_lacks_is_405_not_403(make_user):
    from django.test import Client

    client = Client()
    client.force_login(make_user("leader-p405", "leader"))
    # Read-only endpoints: a signed-in reader posting is told the method is not allowed.
    assert client.post("/api/v1/org/units/").status_code == 405
    assert client.post("/api/v1/dashboard/summary/").status_code == 405
