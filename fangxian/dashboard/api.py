"""/api/v1/dashboard/: the day's figures per college in the caller's scope (from the roll-ups)."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from fangxian.core.params import date_param
from fangxian.org.permissions import RolePermission

from . import selectors
from .access import READERS

LineSerializer = inline_serializer(
    "DashboardLine",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "ledger": serializers.IntegerField(),
        "reported": serializers.IntegerField(allow_null=True),
        "present": serializers.IntegerField(),
        "out_not_back": serializers.IntegerField(),
        "on_leave": serializers.IntegerField(),
        "in_unexpected": serializers.IntegerField(),
        "overdue": serializers.IntegerField(),
        "no_one_to_one": serializers.IntegerField(),
        "reports_in": serializers.IntegerField(),
        "reports_expected": serializers.IntegerField(),
    },
)


@extend_schema(
    parameters=[OpenApiParameter("day", OpenApiTypes.DATE, required=False)],
    responses=inline_serializer("DashboardSummary", {"day": serializers.DateField(), "colleges": LineSerializer.__class__(many=True)}),
)
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=READERS)])
def summary(request):
    value = request.query_params.get("day")
    day = date_param(value, "day", default=timezone.localdate())
    s = selectors.summary(request.user, day)
    colleges = [
        {
            "id": line.pk,
            "name": line.name,
            "ledger": line.ledger,
            "reported": line.reported,
            "present": line.present,
            "out_not_back": line.out_not_back,
            "on_leave": line.on_leave,
            "in_unexpected": line.in_unexpected,
            "overdue": line.overdue,
            "no_one_to_one": line.no_one_to_one,
            "reports_in": line.reports_in,
            "reports_expected": line.reports_expected,
        }
        for line in s.lines
    ]
    return Response({"day": day.isoformat(), "colleges": colleges})


urlpatterns = [path("summary/", summary, name="api-dashboard-summary")]
