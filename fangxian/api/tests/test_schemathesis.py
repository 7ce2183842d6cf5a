"""Property-based test of the whole API against its own OpenAPI schema.

The schema is loaded from the running application (WSGI), so endpoints that feature apps
add later are covered without touching this file. Every operation is called with a token
of each demo role (every login that the demo loaders register), and once without any
credentials.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from fangxian.accounts import services
from fangxian.accounts.middleware import second_factor_required
from fangxian.accounts.models import User
from fangxian.core.demo import demo_logins, loaders

# The WSGI application without fangxian.wsgi's start-up key check, which reads the database
# (closed to tests at collection time); core/tests cover that check.
application = get_wsgi_application()

# Small demo: enough for every role to exist and have something in scope.
DEMO_SIZE = 40


@pytest.fixture
def demo_tokens(db) -> dict[str, str]:
    for loader in loaders():
        loader.load(size=DEMO_SIZE, seed=20220714)
    tokens = {}
    for username, _description in demo_logins():
        user = User.objects.get(username=username)
        if second_factor_required(user):  # tokens need an enrolled second factor for these roles
            TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
        _token, raw = services.token_create(user=user, name="schemathesis", days=1)
        tokens[username] = raw
    assert {"office", "secadmin", "auditor", "sysadmin"} <= tokens.keys()
    return tokens


@pytest.fixture
def wsgi_in_test_transaction():
    """Calls into the WSGI application would close the database connection at the end of
    each request (and with it the test's transaction, on PostgreSQL); Django's own test
    client avoids that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(demo_tokens, wsgi_in_test_transaction):
    any_token = next(iter(demo_tokens.values()))
    return schemathesis.openapi.from_wsgi("/api/schema/", application, headers={"Authorization": f"Bearer {any_token}"})


def operations(api_schema):
    for result in api_schema.get_all_operations():
        yield result.ok()  # an operation that the schema cannot describe fails here


def test_every_operation_declares_that_it_needs_authentication(api_schema):
    raw = api_schema.raw_schema
    assert raw["paths"], "the schema lists no operation"
    for path, path_item in raw["paths"].items():
        for method, operation in path_item.items():
            if method == "parameters":
                continue
            security = operation.get("security", raw.get("security"))
            assert security, f"{method.upper()} {path} declares no authentication"
            assert {} not in security, f"{method.upper()} {path} allows anonymous calls"


def _routes_to_a_view(path: str) -> bool:
    from urllib.parse import unquote

    from django.urls import Resolver404, resolve

    try:
        resolve(unquote(path))
    except Resolver404:
        return False
    return True


def _device_tokens() -> dict[str, str]:
    """Gate devices authenticate with their own tokens (fxg_…), not a user's."""
    from fangxian.gates.services import device_issue
    from fangxian.org.models import Place

    gate = Place.objects.filter(kind=Place.Kind.GATE).first()
    return {"gate device": device_issue(gate=gate, name="schemathesis")[1]}


# Security schemes whose operations are called with other credentials than the demo users'.
OTHER_CREDENTIALS = {"gateDeviceToken": _device_tokens}


def _credentials(api_schema, operation, demo_tokens) -> dict[str, str]:
    security = operation.definition.raw.get("security", api_schema.raw_schema.get("security")) or []
    for requirement in security:
        for scheme in requirement:
            if scheme in OTHER_CREDENTIALS:
                return OTHER_CREDENTIALS[scheme]()
    return demo_tokens


def _checker(operation, credentials: dict[str, str]):
    @given(case=operation.as_strategy())
    # derandomize: the same examples on every run, so CI cannot fail by chance.
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
    def check(case):
        for username, raw in credentials.items():
            response = case.call(headers={"Authorization": f"Bearer {raw}"})
            case.validate_response(response, checks=[not_a_server_error])
            assert response.status_code != 401, f"{username}'s token was refused by {case.operation.label}"
        anonymous = case.call(headers={"Authorization": ""})
        if anonymous.status_code == 404 and not _routes_to_a_view(case.formatted_path):
            return  # a generated id such as "%2F" matches no route at all: nothing answered
        assert anonymous.status_code in (401, 403), f"{case.operation.label} answered {anonymous.status_code} without authentication"

    return check


def test_api_never_fails_and_never_answers_anonymously(api_schema, demo_tokens):
    # schemathesis' own pytest integration (from_fixture + parametrize) does not run under
    # pytest 9, so each operation gets its own Hypothesis run here.
    tested = []
    for operation in operations(api_schema):
        _checker(operation, _credentials(api_schema, operation, demo_tokens))()
        tested.append(operation.label)
    assert "GET /api/v1/me/" in tested and "POST /api/v1/gates/scan/" in tested
