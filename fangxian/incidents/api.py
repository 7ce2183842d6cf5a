"""/api/v1/incidents/: incidents (list, report with Idempotency-Key, one incident with its
timeline and clocks), acknowledging, adding reports, open incidents by level, time limits.

The same services and selectors as the pages: an incident outside the caller's scope is
answered like one that does not exist; people involved are masked as on the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from fangxian.api.pagination import Pagination
from fangxian.org.models import Place, Staff, Student, Unit
from fangxian.org.permissions import RolePermission
from fangxian.org.scope import scope_of

from . import access, selectors, services
from .models import Incident, Kind, Level, Policy, TimeLimit, Update

ID_PATH = OpenApiParameter("id", {"type": "integer", "minimum": 0}, OpenApiParameter.PATH)
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique key per intended report (e.g. a UUID, at most 64 characters). Repeating the request with the same key "
    "returns the incident reported the first time.",
)


class ClockSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    due_at = serializers.DateTimeField()
    state = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    number = serializers.CharField()
    unit = serializers.CharField()


class UpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Update
        fields = ["id", "kind", "text", "measures", "next_steps", "author_name", "created_at"]


class IncidentSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")
    place_name = serializers.CharField(source="place.name", read_only=True, default="")

    class Meta:
        model = Incident
        fields = [
            "id",
            "kind",
            "level",
            "title",
            "status",
            "occurred_at",
            "reported_at",
            "acknowledged_at",
            "written_at",
            "closed_at",
            "unit",
            "unit_name",
            "place",
            "place_name",
            "place_detail",
            "source_url",
        ]


class IncidentDetailSerializer(IncidentSerializer):
    """One incident as the caller may see it (context["user"]): people masked where their
    role needs no names, as on the page."""

    reporter_phone = serializers.SerializerMethodField()
    people = serializers.SerializerMethodField()
    updates = UpdateSerializer(many=True, read_only=True)
    clocks = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta(IncidentSerializer.Meta):
        fields = [
            *IncidentSerializer.Meta.fields,
            "description",
            "measures",
            "next_steps",
            "reporter_name",
            "reporter_phone",
            "people",
            "updates",
            "clocks",
            "photos",
        ]

    def get_reporter_phone(self, incident) -> str:
        return selectors.reporter_phone(incident, self.context["user"])

    @extend_schema_field(PersonSerializer(many=True))
    def get_people(self, incident):
        return PersonSerializer([vars(p) for p in selectors.people_of(incident, self.context["user"])], many=True).data

    @extend_schema_field(ClockSerializer(many=True))
    def get_clocks(self, incident):
        from fangxian.deadlines import registry
        from fangxian.deadlines.selectors import clock, deadlines_of

        from .deadlines import KINDS

        known = [k.key for k in registry.kinds() if k.key in KINDS]
        rows = deadlines_of(incident).filter(kind__in=known, cancelled_at__isnull=True).order_by("due_at", "pk")
        return ClockSerializer(
            [{"kind": c.deadline.kind, "label": c.label, "due_at": c.due_at, "state": c.state} for c in map(clock, rows)], many=True
        ).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_photos(self, incident) -> list[str]:
        from django.urls import reverse

        return [reverse("incidents:photo", args=[incident.pk, p.pk]) for p in incident.photos.order_by("added_at", "pk")]


class ReportSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    level = serializers.ChoiceField(choices=Level.choices, default=Level.GENERAL)
    occurred_at = serializers.DateTimeField()
    description = serializers.CharField()
    title = serializers.CharField(required=False, default="", allow_blank=True, max_length=120)
    unit = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    place = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    place_detail = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    people = serializers.CharField(required=False, default="", allow_blank=True, help_text="One per line: number and name.")
    students = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    staff = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    reporter_phone = serializers.CharField(required=False, allow_null=True, default=None, max_length=20)
    measures = serializers.CharField(required=False, default="", allow_blank=True)


class AddReportSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Update.Kind.choices)
    text = serializers.CharField()
    measures = serializers.CharField(required=False, default="", allow_blank=True)
    next_steps = serializers.CharField(required=False, default="", allow_blank=True)


class LevelCountSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class LimitSerializer(serializers.Serializer):
    level = serializers.CharField()
    first_minutes = serializers.IntegerField()
    acknowledge_minutes = serializers.IntegerField()
    written_minutes = serializers.IntegerField()
    followup_hours = serializers.IntegerField()


class LimitsSerializer(serializers.Serializer):
    earliest_date = serializers.DateField()
    levels = LimitSerializer(many=True)


def _detail(incident: Incident, user) -> dict:
    return IncidentDetailSerializer(incident, context={"user": user}).data


def _service(call, **kwargs):
    """A service call with its refusals as the API's: a ValidationError 400 (per field), a
    PermissionDenied 403."""
    try:
        return call(**kwargs)
    except DjangoPermissionDenied:
        raise PermissionDenied()
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


def _pick(model, pk, user, field: str, visible=None):
    if pk is None:
        return None
    qs = visible if visible is not None else model.objects.all()
    found = qs.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("Not found, or not in your scope: %(id)s.") % {"id": pk}]})
    return found


@extend_schema(
    methods=["GET"],
    parameters=[
        OpenApiParameter("status", str, enum=["open", "closed", "all"]),
        OpenApiParameter("level", str, enum=list(Level.values)),
        OpenApiParameter("kind", str, enum=list(Kind.values)),
    ],
    responses=IncidentSerializer(many=True),
    summary="Incidents in the caller's scope, newest first",
)
@extend_schema(
    methods=["POST"],
    parameters=[IDEMPOTENCY_HEADER],
    request={"application/json": ReportSerializer, "multipart/form-data": ReportSerializer},
    responses={201: IncidentDetailSerializer, 200: IncidentDetailSerializer},
    summary="Report an incident (the office, or a member of staff on duty); photos as multipart 'photos'",
)
@api_view(["GET", "POST"])
@parser_classes([JSONParser, MultiPartParser, FormParser])
@permission_classes([RolePermission.with_roles(read=access.READERS, write=access.REPORTER_ROLES)])
def incidents(request):
    if request.method == "GET":
        status_ = request.query_params.get("status", "open")
        rows = selectors.incident_list(
            request.user,
            status=status_ if status_ in ("open", "closed", "all") else "open",
            level=request.query_params.get("level", ""),
            kind=request.query_params.get("kind", "") if request.query_params.get("kind", "") in Kind.values else "",
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request)
        return paginator.get_paginated_response(IncidentSerializer(page, many=True).data)
    if not access.can_report(request.user):
        raise PermissionDenied(_("Only the office and people on duty report incidents."))
    incoming = ReportSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    body = incoming.validated_data
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 64 or not key.isprintable():
        raise ValidationError({"Idempotency-Key": _("The Idempotency-Key must be at most 64 printable characters.")})
    scope = scope_of(request.user)
    before = Incident.objects.filter(reported_by=request.user, request_key=key).exists() if key else False
    incident = _service(
        services.incident_report,
        user=request.user,
        kind=body["kind"],
        level=body["level"],
        occurred_at=body["occurred_at"],
        description=body["description"],
        title=body["title"],
        unit=_pick(Unit, body["unit"], request.user, "unit"),
        place=_pick(Place, body["place"], request.user, "place"),
        place_detail=body["place_detail"],
        people=body["people"],
        students=[_pick(Student, pk, request.user, "students", scope.students()) for pk in body["students"]],
        staff=[_pick(Staff, pk, request.user, "staff", scope.staff()) for pk in body["staff"]],
        reporter_phone=body["reporter_phone"],
        measures=body["measures"],
        photos=[f.read(services.org_photos.MAX_BYTES + 1) for f in request.FILES.getlist("photos")],
        request_key=key,
    )
    return Response(_detail(incident, request.user), status=status.HTTP_200_OK if before else status.HTTP_201_CREATED)


@extend_schema(responses=IncidentDetailSerializer, summary="One incident with its people, timeline and clocks", parameters=[ID_PATH])
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.READERS)])
def incident(request, pk: int):
    return Response(_detail(get_object_or_404(selectors.visible(request.user), pk=pk), request.user))


@extend_schema(request=None, responses=IncidentDetailSerializer, summary="The office acknowledges the first report", parameters=[ID_PATH])
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.READERS, write=access.OFFICE)])
def acknowledge(request, pk: int):
    found = get_object_or_404(selectors.visible(request.user), pk=pk)
    found = _service(services.incident_acknowledge, user=request.user, incident=found)
    return Response(_detail(found, request.user))


@extend_schema(
    request={"application/json": AddReportSerializer, "multipart/form-data": AddReportSerializer},
    responses={201: IncidentDetailSerializer},
    summary="Add the written, a follow-up (续报) or the closing report (终报)",
    parameters=[ID_PATH],
)
@api_view(["POST"])
@parser_classes([JSONParser, MultiPartParser, FormParser])
@permission_classes([RolePermission.with_roles(read=access.READERS, write=access.REPORTER_ROLES)])
def add_report(request, pk: int):
    found = get_object_or_404(selectors.visible(request.user), pk=pk)
    incoming = AddReportSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    body = incoming.validated_data
    _service(
        services.update_add,
        user=request.user,
        incident=found,
        kind=body["kind"],
        text=body["text"],
        measures=body["measures"],
        next_steps=body["next_steps"],
        photos=[f.read(services.org_photos.MAX_BYTES + 1) for f in request.FILES.getlist("photos")],
    )
    found.refresh_from_db()
    return Response(_detail(found, request.user), status=status.HTTP_201_CREATED)


@extend_schema(responses=LevelCountSerializer(many=True), summary="Open incidents by level in the caller's scope")
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.READERS)])
def summary(request):
    return Response([{"level": r.level, "label": r.label, "count": r.count} for r in selectors.open_by_level(request.user)])


@extend_schema(
    responses=LimitsSerializer,
    summary="The time limits per level and the earliest date an incident may be dated",
)
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.READERS)])
def limits(request):
    levels = [
        {
            "level": row.level,
            "first_minutes": row.first_minutes,
            "acknowledge_minutes": row.acknowledge_minutes,
            "written_minutes": row.written_minutes,
            "followup_hours": row.followup_hours,
        }
        for row in TimeLimit.all_levels()
    ]
    return Response({"earliest_date": Policy.current().earliest_date, "levels": levels})


urlpatterns = [
    path("", incidents, name="api-incidents"),
    path("summary/", summary, name="api-incident-summary"),
    path("limits/", limits, name="api-incident-limits"),
    path("<int:pk>/", incident, name="api-incident"),
    path("<int:pk>/acknowledge/", acknowledge, name="api-incident-acknowledge"),
    path("<int:pk>/reports/", add_report, name="api-incident-reports"),
]
