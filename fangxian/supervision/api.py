"""/api/v1/supervision/: leads, 督办 (with answers and decisions), the units' standing and the
confidential accountability records. Same selectors and services as the pages.

Discipline inspection's scope is read-only for `RolePermission`'s write check; the desk's
writes use `DeskPermission`, which asks `supervision.access.can_supervise` instead (and
the services check the caller again)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import include, path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from fangxian.core.params import date_param, id_param
from fangxian.org.models import Unit
from fangxian.org.permissions import RolePermission

from . import access, selectors, services
from .models import Accountability, Answer, Case, Finding

MAX_ID = 2**63 - 1


class DeskPermission(RolePermission):
    """Reads as RolePermission; writes by the desk's own check (role and scope, not read-only)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return super().has_permission(request, view)
        if view is not None and not hasattr(view, request.method.lower()):
            return True
        return self.write_roles is None or access.can_supervise(user, roles=self.write_roles)

    @classmethod
    def desk(cls, *, read, write):
        return type("DeskPermission", (cls,), {"read_roles": frozenset(read), "write_roles": None if write is None else frozenset(write)})


def _invalid(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class LeadSerializer(serializers.ModelSerializer):
    rule_label = serializers.CharField(read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "rule",
            "rule_label",
            "key",
            "unit",
            "unit_name",
            "title",
            "evidence",
            "url",
            "count",
            "status",
            "first_seen",
            "last_seen",
        ]
        read_only_fields = fields


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    """Supervision leads (督办事项线索) proposed by the daily derivation, in the caller's scope."""

    serializer_class = LeadSerializer
    permission_classes = [DeskPermission.desk(read=access.OVERSEERS, write=access.INSPECTORS)]

    def get_queryset(self):
        qs = selectors.visible_findings(self.request.user).order_by("-first_seen", "rule", "key", "pk")
        wanted = self.request.query_params.get("status")
        if self.action == "list" and wanted in Finding.Status.values:
            qs = qs.filter(status=wanted)
        return qs

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=Finding.Status.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=DismissSerializer, responses={200: LeadSerializer, 400: OpenApiResponse(description="Refused")})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        finding = get_object_or_404(self.get_queryset(), pk=id_param(pk))
        data = DismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            finding = services.finding_dismiss(user=request.user, finding=finding, reason=data.validated_data["reason"])
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return Response(LeadSerializer(finding).data)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    size = serializers.IntegerField()


class AnswerSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Answer
        fields = ["id", "kind", "text", "submitted_at", "decision", "decision_note", "decided_at", "attachments"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    responsible = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "unit",
            "unit_name",
            "title",
            "requirement",
            "evidence",
            "source",
            "findings",
            "responsible",
            "due_at",
            "status",
            "status_display",
            "created_at",
            "first_answered_at",
            "escalated_at",
            "closed_at",
            "closing_note",
            "answers",
        ]
        read_only_fields = fields

    def get_responsible(self, case) -> list[str]:
        return [s.name for s in sorted(case.responsible.all(), key=lambda s: (s.name, s.pk))]

    def get_findings(self, case) -> list[int]:
        return sorted(f.pk for f in case.findings.all())


class CaseCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    title = serializers.CharField(max_length=200)
    requirement = serializers.CharField()
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    due_at = serializers.DateTimeField()
    findings = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list, max_length=50
    )


class AnswerCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Answer.Kind.choices)
    text = serializers.CharField()
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=services.MAX_ATTACHMENTS)


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[(d.value, d.label) for d in services.DECISIONS])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """督办 notices in the caller's scope; inspectors send them, units answer, inspectors decide."""

    serializer_class = CaseSerializer
    permission_classes = [DeskPermission.desk(read=access.READERS, write=access.INSPECTORS)]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = (
            selectors.visible_cases(self.request.user)
            .prefetch_related("responsible", "findings", "answers__attachments")
            .order_by("-created_at", "-pk")
        )
        wanted = self.request.query_params.get("status")
        if self.action == "list" and wanted in Case.Status.values:
            qs = qs.filter(status=wanted)
        return qs

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=Case.Status.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer, 400: OpenApiResponse(description="Refused")})
    def create(self, request, *args, **kwargs):
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=v["unit"])
        leads = list(selectors.visible_findings(request.user).filter(pk__in=v["findings"]))
        if len(leads) != len(set(v["findings"])):
            raise serializers.ValidationError({"findings": [_("A lead does not exist or is not in your scope.")]})
        try:
            case = services.case_create(
                user=request.user,
                unit=unit,
                title=v["title"],
                requirement=v["requirement"],
                evidence=v["evidence"],
                due_at=v["due_at"],
                findings=leads,
            )
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerCreateSerializer, responses={200: CaseSerializer, 400: OpenApiResponse(description="Refused")})
    @action(detail=True, methods=["post"], permission_classes=[DeskPermission.desk(read=access.READERS, write=access.READERS)])
    def answer(self, request, pk=None):
        case = get_object_or_404(self.get_queryset(), pk=id_param(pk))
        data = AnswerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        files = [(f.name, f.read()) for f in v["files"]]
        try:
            services.answer_submit(user=request.user, case=case, kind=v["kind"], text=v["text"], files=files)
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(request=DecideSerializer, responses={200: CaseSerializer, 400: OpenApiResponse(description="Refused")})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        case = get_object_or_404(self.get_queryset(), pk=id_param(pk))
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.answer_decide(user=request.user, case=case, **data.validated_data)
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk)).data)


class AccountabilitySerializer(serializers.ModelSerializer):
    measure_display = serializers.CharField(source="get_measure_display", read_only=True)
    cases = serializers.SerializerMethodField()

    class Meta:
        model = Accountability
        fields = ["id", "measure", "measure_display", "person_name", "unit", "day", "note", "cases"]
        read_only_fields = fields

    def get_cases(self, record) -> list[int]:
        return sorted(c.pk for c in record.cases.all())


class AccountabilityCreateSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=Accountability.Measure.choices)
    person_name = serializers.CharField(max_length=60)
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    day = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    cases = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list, max_length=50
    )


class AccountabilityViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """问责 records: confidential to discipline inspection and school leaders (others: 403)."""

    serializer_class = AccountabilitySerializer
    permission_classes = [DeskPermission.desk(read=access.ACCOUNTABILITY_READERS, write=access.ACCOUNTABILITY_WRITERS)]

    def get_queryset(self):
        return selectors.visible_accountability(self.request.user).prefetch_related("cases").order_by("-day", "-pk")

    @extend_schema(
        request=AccountabilityCreateSerializer, responses={201: AccountabilitySerializer, 400: OpenApiResponse(description="Refused")}
    )
    def create(self, request, *args, **kwargs):
        data = AccountabilityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=v["unit"])
        cases = list(selectors.visible_cases(request.user).filter(pk__in=v["cases"]))
        if len(cases) != len(set(v["cases"])):
            raise serializers.ValidationError({"cases": [_("A supervision notice does not exist or is not in your scope.")]})
        try:
            record = services.accountability_create(
                user=request.user,
                measure=v["measure"],
                unit=unit,
                day=v["day"],
                person_name=v["person_name"],
                note=v["note"],
                cases=cases,
            )
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return Response(AccountabilitySerializer(self.get_queryset().get(pk=record.pk)).data, status=status.HTTP_201_CREATED)


StandingSerializer = inline_serializer(
    "SupervisionStanding",
    {
        "unit": serializers.IntegerField(),
        "name": serializers.CharField(),
        "opened": serializers.IntegerField(),
        "answered_on_time": serializers.IntegerField(),
        "overdue": serializers.IntegerField(),
        "closed": serializers.IntegerField(),
        "open_now": serializers.IntegerField(),
        "light": serializers.ChoiceField(choices=["red", "yellow", "green"]),
    },
)


@extend_schema(
    parameters=[OpenApiParameter("start", OpenApiTypes.DATE, required=False), OpenApiParameter("end", OpenApiTypes.DATE, required=False)],
    responses=inline_serializer(
        "SupervisionStandingPage",
        {"start": serializers.DateField(), "end": serializers.DateField(), "units": StandingSerializer.__class__(many=True)},
    ),
)
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.READERS)])
def standing(request):
    start = date_param(request.query_params.get("start"), "start", default=None)
    end = date_param(request.query_params.get("end"), "end", default=None)
    start, end = selectors.period(start, end)
    rows = selectors.standing(request.user, start, end)
    units = [
        {
            "unit": r.unit.pk,
            "name": r.unit.name,
            "opened": r.opened,
            "answered_on_time": r.answered_on_time,
            "overdue": r.overdue,
            "closed": r.closed,
            "open_now": r.open_now,
            "light": r.light,
        }
        for r in rows
    ]
    return Response({"start": start.isoformat(), "end": end.isoformat(), "units": units})


router = SimpleRouter()
router.register("leads", FindingViewSet, basename="supervision-lead")
router.register("notices", CaseViewSet, basename="supervision-notice")
router.register("accountability", AccountabilityViewSet, basename="supervision-accountability")

urlpatterns = [path("standing/", standing, name="api-supervision-standing"), path("", include(router.urls))]
