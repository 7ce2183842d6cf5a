"""/api/v1/reports/: forms, submissions (with Idempotency-Key), completeness.

The same services and selectors as the pages; a unit outside the caller's scope is
answered like a unit that does not exist."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from fangxian.core.params import date_param, day_param, id_param
from fangxian.org.models import Unit
from fangxian.org.permissions import RolePermission

from . import selectors, services
from .access import REPORTERS
from .models import ReportForm, Submission

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique key per intended submit (e.g. a UUID). Repeating the request with the same key returns the same submission; "
    "the same key with a different body is refused with 422.",
)


class FormSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    frequency = serializers.CharField()
    deadline = serializers.TimeField()
    version = serializers.IntegerField(allow_null=True)
    valid_from = serializers.DateField(allow_null=True)
    schema = serializers.JSONField(allow_null=True)


class SubmissionSerializer(serializers.ModelSerializer):
    form = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "form",
            "unit",
            "unit_name",
            "day",
            "version",
            "status",
            "data",
            "zero_sections",
            "reasons",
            "is_zero",
            "is_late",
            "first_submitted_at",
            "submitted_at",
            "revision_count",
            "review_comment",
        ]


class SubmitSerializer(serializers.Serializer):
    form = serializers.SlugField()
    unit = serializers.IntegerField()
    day = serializers.DateField()
    data = serializers.DictField(required=False, default=dict)
    zero_sections = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    reasons = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    submit = serializers.BooleanField(required=False, default=True)


class CompletenessSerializer(serializers.Serializer):
    form = serializers.CharField()
    day = serializers.DateField()
    expected = serializers.IntegerField()
    submitted = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()
    missing_units = serializers.ListField(
        child=inline_serializer("MissingUnit", {"id": serializers.IntegerField(), "name": serializers.CharField()})
    )


@extend_schema(responses=FormSerializer(many=True), summary="Report forms the caller reports on or oversees")
@api_view(["GET"])
def forms(request):
    today = timezone.localdate()
    rows = []
    for form in selectors.visible_forms(request.user):
        version = form.version_for(today)
        rows.append(
            {
                "code": form.code,
                "name": form.name,
                "frequency": form.frequency,
                "deadline": form.deadline,
                "version": version.number if version else None,
                "valid_from": version.valid_from if version else None,
                "schema": version.schema if version else None,
            }
        )
    return Response(FormSerializer(rows, many=True).data)


@extend_schema(
    methods=["GET"],
    parameters=[OpenApiParameter("form", str), OpenApiParameter("day", OpenApiTypes.DATE), OpenApiParameter("unit", int)],
    responses=SubmissionSerializer(many=True),
    summary="Submissions of the units in the caller's scope",
)
@extend_schema(
    methods=["POST"],
    parameters=[IDEMPOTENCY_HEADER],
    request=SubmitSerializer,
    responses={200: SubmissionSerializer, 201: SubmissionSerializer},
    summary="Save a draft or submit a report (201 when stored, 200 when a repeated request changed nothing)",
)
@api_view(["GET", "POST"])
@permission_classes([RolePermission.with_roles(read=None, write=REPORTERS)])
def submissions(request):
    if request.method == "GET":
        qs = selectors.visible_submissions(request.user).order_by("-day", "form__sort_order", "unit__path")
        if request.query_params.get("form"):
            qs = qs.filter(form__code=request.query_params["form"])
        day = date_param(request.query_params.get("day"), "day")
        if day:
            qs = qs.filter(day=day)
        unit_id = id_param(request.query_params.get("unit"))
        if unit_id:
            qs = qs.filter(unit_id=unit_id)
        from fangxian.api.pagination import Pagination

        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request)
        return paginator.get_paginated_response(SubmissionSerializer(page, many=True).data)
    incoming = SubmitSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    body = incoming.validated_data
    form = ReportForm.objects.active().filter(code=body["form"]).first()
    if form is None:
        raise ValidationError({"form": [_("There is no report form %(code)s.") % {"code": body["form"]}]})
    unit = Unit.objects.filter(pk=body["unit"]).first()
    if unit is None:
        raise ValidationError({"unit": [_("This unit does not exist or is not one you report for.")]})
    arguments = {
        "form": form,
        "unit": unit,
        "day": body["day"],
        "data": body["data"],
        "zero_sections": body["zero_sections"],
        "reasons": body["reasons"],
        "submit": body["submit"],
    }
    key = request.headers.get("Idempotency-Key", "").strip()
    if key:
        if len(key) > 100 or not key.isprintable():
            raise ValidationError({"Idempotency-Key": _("The Idempotency-Key must be at most 100 printable characters.")})
        try:
            submission, replayed = services.submission_save_idempotent(user=request.user, key=key, body=request.data, **arguments)
        except services.IdempotencyConflict as exc:
            return Response({"detail": str(exc), "code": "idempotency_key_reused"}, status=422)
    else:
        submission = services.submission_save(user=request.user, **arguments)
        replayed = False
    changed = not replayed and getattr(submission, "changed", False)
    return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED if changed else status.HTTP_200_OK)


@extend_schema(
    responses=SubmissionSerializer,
    summary="One submission",
    # The route takes digits only (<int:pk>): say so, or clients try negative ids.
    parameters=[OpenApiParameter("id", {"type": "integer", "minimum": 0}, OpenApiParameter.PATH)],
)
@api_view(["GET"])
def submission(request, pk: int):
    return Response(SubmissionSerializer(get_object_or_404(selectors.visible_submissions(request.user), pk=pk)).data)


@extend_schema(
    parameters=[OpenApiParameter("form", str, required=True), OpenApiParameter("day", OpenApiTypes.DATE)],
    responses=CompletenessSerializer,
    summary="Expected, submitted, on time, late and missing for a form and day",
)
@api_view(["GET"])
def completeness(request):
    form = ReportForm.objects.active().filter(code=request.query_params.get("form", "")).first()
    if form is None or form not in selectors.visible_forms(request.user):
        raise NotFound(_("There is no report form %(code)s.") % {"code": request.query_params.get("form", "")})
    day = day_param(request)
    state = selectors.completeness(request.user, form, day, with_people=False)
    return Response(
        CompletenessSerializer(
            {
                "form": form.code,
                "day": day,
                "expected": state.expected,
                "submitted": state.submitted,
                "on_time": state.on_time,
                "late": state.late,
                "missing": state.missing,
                "missing_units": [{"id": r.unit.pk, "name": r.unit.name} for r in state.missing_rows],
            }
        ).data
    )


urlpatterns = [
    path("forms/", forms, name="api-report-forms"),
    path("submissions/", submissions, name="api-report-submissions"),
    path("submissions/<int:pk>/", submission, name="api-report-submission"),
    path("completeness/", completeness, name="api-report-completeness"),
]
