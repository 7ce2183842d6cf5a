"""Gate device API (/api/v1/gates/): per-device bearer tokens (`Authorization: Bearer
fxg_…`), hashed in the database; withdrawn tokens are refused with a reason."""

from __future__ import annotations

import json

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import authentication, exceptions, permissions, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from fangxian.core.middleware import stateless
from fangxian.org.photos import photo_response

from . import selectors, services
from .models import DIRECTIONS, Device, Direction
from .views import _verdict_json, station_bundle_data


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != "bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        try:
            device = services.device_authenticate(header[1].decode(errors="replace"))
        except services.DeviceAuthError as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        return AnonymousUser(), device

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="gate-device"'


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = DeviceTokenAuthentication
    name = "gateDeviceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Gate device token (fxg_…)"}


class IsDevice(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Device)


class JSONOnly(DefaultContentNegotiation):
    """Devices are answered in JSON whatever they accept: no Accept header to weigh, no
    browsable API to render."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _bearer_device(request) -> Device | None:
    """The device of a well-formed, valid bearer token; None for anything else (DRF's own
    authentication then says what is wrong)."""
    kind, _sep, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if kind.lower() != "bearer" or not raw or " " in raw:
        return None
    try:
        return services.device_authenticate(raw)
    except services.DeviceAuthError:
        return None


def _refuse_constant(name):
    raise ValueError(name)


def _plain_json_body(request):
    """The parsed JSON body of a POST; None when it is not plain JSON (DRF's parser then
    answers the error)."""
    if request.META.get("CONTENT_TYPE", "").partition(";")[0].strip() != "application/json":
        return None
    try:
        return json.loads(request.body, parse_constant=_refuse_constant)
    except ValueError:
        return None


class DeviceRequest:
    """What a device handler reads, as DRF's Request names it: `auth` (the device), `data`
    (the parsed body), `user`, `query_params`; everything else is the Django request's."""

    def __init__(self, request, device: Device, data):
        self._request, self.auth, self.data = request, device, data
        self.user = AnonymousUser()

    @property
    def query_params(self):
        return self._request.GET

    def __getattr__(self, name):
        return getattr(self._request, name)


class DeviceView(APIView):
    """A gate device endpoint. DRF describes it (OpenAPI) and answers every request that
    is not plainly in order (no or a bad token, a body that is not JSON, another method,
    OPTIONS) with its usual errors. A request in order — the common case, a gate at rush
    hour — skips DRF's dispatch (request wrapping, negotiation, parser and permission
    machinery), which cost about a quarter of a scan: the handler gets the device and the
    parsed body and its Response is rendered as JSON. An exception the handler raises is
    answered by DRF's exception handling, as in any other view."""

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsDevice]
    throttle_classes = []
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnly

    def dispatch(self, request, *args, **kwargs):
        method = request.method.lower()
        handler = getattr(self, method, None) if method in self.http_method_names and method != "options" else None
        device = _bearer_device(request) if handler is not None else None
        data = (_plain_json_body(request) if method == "post" else {}) if device is not None else None
        if data is None:
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs, self.headers = args, kwargs, {}
        self.request = DeviceRequest(request, device, data)
        try:
            response = handler(self.request, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001  (answered as DRF answers it)
            self.request = self.initialize_request(request, *args, **kwargs)
            return self.finalize_response(self.request, self.handle_exception(exc), *args, **kwargs)
        if isinstance(response, Response):
            response.accepted_renderer = _JSON_RENDERER
            response.accepted_media_type = _JSON_RENDERER.media_type
            response.renderer_context = {"view": self, "args": args, "kwargs": kwargs, "request": self.request}
        return response


_JSON_RENDERER = JSONRenderer()


def device_api(methods):
    """A device endpoint from a function, as DRF's @api_view makes one (the function gets
    the request, with `auth` the device): device token only, JSON in and out, no throttle
    (a gate at rush hour), DeviceView's short dispatch, and the short middleware stack
    (@stateless: no session is read)."""

    def decorator(fn):
        def handler(self, request, *args, **kwargs):
            return fn(request, *args, **kwargs)

        names = [m.lower() for m in methods]
        attrs = dict.fromkeys(names, handler)
        attrs.update(http_method_names=[*names, "options"], __doc__=fn.__doc__, __module__=fn.__module__)
        view = type(fn.__name__, (DeviceView,), attrs)
        return stateless(view.as_view())

    return decorator


class ScanIn(serializers.Serializer):
    scan_id = serializers.UUIDField(help_text="Generated by the device; a re-sent scan is stored once.")
    text = serializers.CharField(
        max_length=2000, help_text="What was scanned or typed: a pass (FX1.…), a student/staff number, an ID number or a plate."
    )
    direction = serializers.ChoiceField(choices=Direction.choices)
    scanned_at = serializers.CharField(required=False, max_length=64, help_text="Ignored: an online scan is judged at the server's time.")


class VerdictOut(serializers.Serializer):
    scan_id = serializers.UUIDField()
    allowed = serializers.BooleanField()
    verify = serializers.BooleanField(help_text="Always false for a device: a typed number is refused at an unattended device.")
    reason = serializers.CharField()
    message = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    detail = serializers.CharField()
    duplicate = serializers.BooleanField()
    photo = serializers.CharField(
        allow_null=True,
        help_text="Path of the holder's photo for this scan (GET it with the same device token, within 10 minutes "
        "of the scan), or null: no photo on file, a visitor or a vehicle.",
    )


class SyncItem(serializers.Serializer):
    scan_id = serializers.CharField()
    text = serializers.CharField(max_length=2000, allow_blank=True)
    direction = serializers.CharField()
    scanned_at = serializers.CharField()
    station_verdict = serializers.CharField(required=False, allow_blank=True)


class SyncIn(serializers.Serializer):
    scans = SyncItem(many=True)


class SyncResult(serializers.Serializer):
    scan_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["stored", "duplicate", "invalid"])
    allowed = serializers.BooleanField(required=False)
    verify = serializers.BooleanField(required=False)
    reason = serializers.CharField(required=False)
    message = serializers.CharField()


class SyncOut(serializers.Serializer):
    results = SyncResult(many=True)


class KeysOut(serializers.Serializer):
    keys = serializers.ListField(child=serializers.DictField())


class RevokedOut(serializers.Serializer):
    revoked = serializers.ListField(child=serializers.DictField())


def _scan_in(data) -> dict:
    """ScanIn's validated data. The common case (every field well formed; scanned_at is ignored) is
    checked by hand, which costs a fraction of building the serializer's fields on every
    scan; anything else goes through ScanIn for its errors and its date parsing."""
    if isinstance(data, dict) and data.keys() <= {"scan_id", "text", "direction", "scanned_at"}:
        text, direction = data.get("text"), data.get("direction")
        scan_id = services.parse_scan_id(data.get("scan_id")) if isinstance(data.get("scan_id"), str) else None
        if scan_id and isinstance(text, str) and text.strip() and len(text) <= 2000 and direction in DIRECTIONS:
            return {"scan_id": scan_id, "text": text.strip(), "direction": direction}
    serializer = ScanIn(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(request=ScanIn, responses=VerdictOut, summary="Judge and record one scan at the device's gate", tags=["gates"])
@device_api(["POST"])
def scan(request):
    data = _scan_in(request.data)
    device = request.auth
    # Judged at the server's time: a device's clock (`scanned_at`) is not trusted online,
    # or a backdated scan would pass an expired pass.
    record, outcome, created = services.scan(
        text=data["text"], gate=device.gate, direction=data["direction"], scan_id=data["scan_id"], device=device
    )
    return Response(_verdict_json(record, outcome, created, photo_route="gates-api-scan-photo"))


@extend_schema(
    responses={
        (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The photo (JPEG, at most 480 px)."),
        404: OpenApiResponse(description="Not a scan of this device's gate, older than 10 minutes, or no photo on file."),
    },
    summary="The photo of a recent scan's holder (the verdict's photo link)",
    tags=["gates"],
)
@device_api(["GET"])
def scan_photo(request, scan_id):
    # The file itself, whatever the device accepts; errors come as JSON (DeviceView).
    scan = selectors.recent_scan(scan_id)
    if scan is None or scan.gate_id != request.auth.gate_id:
        raise Http404
    return photo_response(selectors.holder_photo(scan.subject))


@extend_schema(request=SyncIn, responses=SyncOut, summary="Send scans queued offline (each stored once)", tags=["gates"])
@device_api(["POST"])
def sync(request):
    items = request.data.get("scans") if isinstance(request.data, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise exceptions.ValidationError({"scans": [_("Send a list of scans.")]})
    try:
        results = services.sync(items=items, device=request.auth)
    except ValidationError as exc:
        raise exceptions.ValidationError({"scans": exc.messages}) from exc
    return Response({"results": results})


@extend_schema(responses=OpenApiTypes.OBJECT, summary="Policy versions, keys and revocations for offline checks", tags=["gates"])
@device_api(["GET"])
def policy(request):
    data = station_bundle_data(request.auth.gate)
    data["categories"] = {k: str(v) for k, v in data["categories"].items()}
    return Response(data)


@extend_schema(responses=RevokedOut, summary="Holders whose passes are revoked", tags=["gates"])
@device_api(["GET"])
def revocations(request):
    from .selectors import revoked_subjects

    return Response({"revoked": revoked_subjects()})


@extend_schema(responses=KeysOut, summary="Public keys (JWK, ES256) that verify passes", tags=["gates"])
@device_api(["GET"])
def keys(request):
    from .signing import public_keys

    return Response({"keys": public_keys()})


urlpatterns = [
    path("scan/", scan, name="gates-api-scan"),
    path("sync/", sync, name="gates-api-sync"),
    path("policy/", policy, name="gates-api-policy"),
    path("revocations/", revocations, name="gates-api-revocations"),
    path("keys/", keys, name="gates-api-keys"),
    path("scans/<uuid:scan_id>/photo/", scan_photo, name="gates-api-scan-photo"),
]
