"""/api/v1/auth/: exchanging a refresh token for a new short-lived access token."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.response import Response

from fangxian.api.authentication import BearerTokenAuthentication, RefreshTokenAuthentication

from . import services
from .models import ApiToken


class IsRefreshToken(permissions.BasePermission):
    message = "Send the refresh token (fxr_…), not an access token."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiToken) and request.auth.kind == ApiToken.Kind.REFRESH:
            return True
        if request.auth is not None:
            self.message = _("Send the refresh token (fxr_…), not an access token.")
        return False


class AccessTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="A new access token (fx_…); earlier ones from the same refresh token end.")
    expires_at = serializers.DateTimeField()


@extend_schema(
    request=None,
    responses={200: AccessTokenSerializer, 401: OpenApiResponse(description="No or an invalid refresh token")},
    summary="A new short-lived access token for a refresh token",
)
@api_view(["POST"])
@authentication_classes([RefreshTokenAuthentication, BearerTokenAuthentication])
@permission_classes([IsRefreshToken])
def refresh(request):
    try:
        access, raw = services.token_refresh(refresh=request.auth, request=request)
    except ValidationError as exc:
        raise exceptions.AuthenticationFailed(" ".join(exc.messages)) from exc
    return Response(AccessTokenSerializer({"token": raw, "expires_at": access.expires_at}).data)


urlpatterns = [path("refresh/", refresh, name="api-token-refresh")]
