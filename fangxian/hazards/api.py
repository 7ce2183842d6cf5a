"""/api/v1/hazards/: checklists, campaigns and their coverage, inspecting a place (answers,
photos, submit), findings and their rectification, labs not inspected lately. The same
services and selectors as the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import include, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from fangxian.core.params import id_param
from fangxian.org.models import Place, Staff
from fangxian.org.permissions import RolePermission

from . import access, selectors, services
from .models import Campaign, CampaignPlace, Checklist, ChecklistVersion, Finding, Inspection, Level, Recurrence, Result

R, W = access.READERS, access.WRITERS


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    section = serializers.CharField()
    text = serializers.CharField()
    reading = serializers.BooleanField()
    reading_unit = serializers.CharField()


class VersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    note = serializers.CharField()
    items = ItemSerializer(many=True, source="items.all")


class ChecklistSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    category = serializers.CharField()
    current = VersionSerializer(allow_null=True)


class NewVersionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    items = serializers.CharField(help_text="One item per line: section｜item, or section｜item｜reading unit.")


class ChecklistViewSet(viewsets.ReadOnlyModelViewSet):
    """Inspection checklists (检查清单) with their current version."""

    serializer_class = ChecklistSerializer
    permission_classes = [RolePermission.with_roles(read=R, write=W)]

    def get_queryset(self):
        return Checklist.objects.order_by("category", "name", "pk")

    @extend_schema(request=NewVersionSerializer, responses={201: VersionSerializer, 400: OpenApiResponse(description="Bad items")})
    @action(detail=True, methods=["post"])
    def versions(self, request, pk=None):
        """A new version of the checklist (keepers)."""
        checklist = self.get_object()
        if not access.is_keeper(request.user):
            raise PermissionDenied
        body = NewVersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = services.parse_items(body.validated_data["items"])
        version = services.add_version(user=request.user, checklist=checklist, items=items, note=body.validated_data["note"])
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, required=False, default="")
    lab_version = serializers.PrimaryKeyRelatedField(queryset=ChecklistVersion.objects.all(), required=False, allow_null=True)
    dorm_version = serializers.PrimaryKeyRelatedField(queryset=ChecklistVersion.objects.all(), required=False, allow_null=True)
    building_version = serializers.PrimaryKeyRelatedField(queryset=ChecklistVersion.objects.all(), required=False, allow_null=True)
    campus_version = serializers.PrimaryKeyRelatedField(queryset=ChecklistVersion.objects.all(), required=False, allow_null=True)
    campuses = serializers.PrimaryKeyRelatedField(queryset=Place.objects.filter(kind="campus"), many=True, required=False)
    buildings = serializers.PrimaryKeyRelatedField(queryset=Place.objects.filter(kind="building"), many=True, required=False)
    all_labs = serializers.BooleanField(required=False, default=False)
    closed_at = serializers.DateTimeField(read_only=True)


class TallySerializer(serializers.Serializer):
    name = serializers.CharField()
    planned = serializers.IntegerField()
    inspected = serializers.IntegerField()
    not_inspected = serializers.IntegerField()
    draft = serializers.IntegerField()
    open_findings = serializers.IntegerField()
    overdue = serializers.IntegerField()


class CoveragePlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    place = serializers.IntegerField(source="place_id")
    place_name = serializers.CharField()
    state = serializers.CharField(help_text="none, draft or submitted")
    inspector = serializers.CharField(source="inspector_name", allow_null=True)
    owner = serializers.CharField(source="owner_name", allow_null=True)
    unit = serializers.CharField(source="unit_name", allow_null=True)
    answered = serializers.IntegerField()
    item_count = serializers.IntegerField()
    open_findings = serializers.IntegerField()
    overdue = serializers.IntegerField()


class LevelRowSerializer(serializers.Serializer):
    level = serializers.CharField()
    open = serializers.IntegerField()
    reported = serializers.IntegerField()
    closed = serializers.IntegerField()
    total = serializers.IntegerField()


class CampaignCoverageSerializer(serializers.Serializer):
    total = TallySerializer()
    by_unit = TallySerializer(many=True)
    by_campus = TallySerializer(many=True)
    levels = LevelRowSerializer(many=True)
    places = CoveragePlaceSerializer(many=True)
    overdue = serializers.ListField(child=serializers.IntegerField(), help_text="ids of the overdue findings")


class CampaignViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Inspection campaigns (专项检查); creating one plans its places (keepers)."""

    serializer_class = CampaignSerializer
    permission_classes = [RolePermission.with_roles(read=R, write=access.KEEPER_ROLES | {*W})]

    def get_queryset(self):
        return selectors.campaigns(self.request.user).prefetch_related("campuses", "buildings")

    def create(self, request, *args, **kwargs):
        if not access.is_keeper(request.user):
            raise PermissionDenied
        body = CampaignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        campaign = services.create_campaign(user=request.user, **body.validated_data)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=CampaignCoverageSerializer)
    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None):
        """Planned / inspected / not inspected, per unit and campus; findings by level and status."""
        coverage = selectors.campaign_coverage(request.user, self.get_object())
        data = {
            "total": coverage.total,
            "by_unit": coverage.by_unit,
            "by_campus": coverage.by_campus,
            "levels": [{"level": level, **counts, "total": total} for level, _label, counts, total in coverage.matrix],
            "places": coverage.rows,
            "overdue": [f.pk for f in coverage.overdue],
        }
        return Response(CampaignCoverageSerializer(data).data)


class AnswerInSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    result = serializers.ChoiceField(choices=[("", "—"), *Result.choices], required=False, allow_blank=True, default="")
    level = serializers.ChoiceField(choices=[("", "—"), *Level.choices], required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    reading = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")


class AnswersSerializer(serializers.Serializer):
    answers = AnswerInSerializer(many=True)
    note = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)


class PhotoInSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    token = serializers.CharField(max_length=64)
    photo = serializers.FileField()


class InspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    answers = serializers.SerializerMethodField()

    def get_answers(self, inspection) -> list[dict]:
        return [
            {
                "item": a.item_id,
                "result": a.result,
                "level": a.level,
                "note": a.note,
                "reading": str(a.reading) if a.reading is not None else None,
                "photos": [p.pk for p in a.photos.all()],
            }
            for a in inspection.answers.prefetch_related("photos").order_by("item__position")
        ]


class CampaignPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField(source="campaign_id")
    place = serializers.IntegerField(source="place_id")
    place_name = serializers.CharField(source="place.name")
    version = serializers.IntegerField(source="version_id")
    inspector = serializers.IntegerField(source="inspector_id", allow_null=True)
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    unit = serializers.IntegerField(source="unit_id", allow_null=True)


class CampaignPlaceViewSet(viewsets.ReadOnlyModelViewSet):
    """The places of campaigns (检查场所) in the caller's scope; inspecting one."""

    serializer_class = CampaignPlaceSerializer
    permission_classes = [RolePermission.with_roles(read=R, write=W)]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = CampaignPlace.objects.visible_to(self.request.user).select_related("place").order_by("campaign_id", "place__path", "pk")
        campaign = id_param(self.request.query_params.get("campaign"))
        if campaign:
            qs = qs.filter(campaign_id=campaign)
        return qs

    def _cp(self, *, inspecting: bool = False) -> CampaignPlace:
        try:
            cp = self.get_object()
        except Http404:
            raise NotFound(_("This place is not in your inspection scope."))
        if inspecting and not access.can_inspect(self.request.user, cp):
            raise PermissionDenied(_("This place is not in your inspection scope."))
        return cp

    @extend_schema(
        parameters=[OpenApiParameter("campaign", int, description="Only this campaign's places")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: InspectionSerializer, 404: OpenApiResponse(description="No inspection yet")})
    @action(detail=True, methods=["get"])
    def inspection(self, request, pk=None):
        """The place's inspection (draft or submitted) with its answers."""
        inspection = Inspection.objects.filter(campaign_place=self._cp()).first()
        if inspection is None:
            raise NotFound(_("Not inspected yet."))
        return Response(InspectionSerializer(inspection).data)

    def _guard(self, fn):
        try:
            return fn()
        except Http404:
            raise NotFound(_("This place is not in your inspection scope."))
        except DjangoPermissionDenied:
            raise PermissionDenied(_("This place is not in your inspection scope."))

    @extend_schema(request=AnswersSerializer, responses={200: InspectionSerializer, 400: OpenApiResponse(description="Bad answers")})
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        """Save answers to the draft (idempotent; all or nothing)."""
        cp = self._cp(inspecting=True)
        body = AnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inspection = self._guard(
            lambda: services.save_answers(
                user=request.user, campaign_place=cp, answers=body.validated_data["answers"], note=body.validated_data["note"]
            )
        )
        return Response(InspectionSerializer(inspection).data)

    @extend_schema(request={"multipart/form-data": PhotoInSerializer}, responses={201: OpenApiResponse(description="Photo stored")})
    @action(detail=True, methods=["post"])
    def photos(self, request, pk=None):
        """A photo for an item (multipart: item, token, photo); the same token lands once."""
        cp = self._cp(inspecting=True)
        body = PhotoInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        photo = self._guard(
            lambda: services.add_answer_photo(
                user=request.user, campaign_place=cp, item_id=data["item"], data=data["photo"].read(), token=data["token"]
            )
        )
        return Response({"id": photo.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: InspectionSerializer, 400: OpenApiResponse(description="Items not answered")})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Complete the inspection: every failed item becomes a finding."""
        cp = self._cp(inspecting=True)
        inspection = self._guard(lambda: services.submit_inspection(user=request.user, campaign_place=cp))
        return Response(InspectionSerializer(inspection).data)

    @extend_schema(request=None, responses={200: CampaignPlaceSerializer})
    @action(detail=True, methods=["post"], url_path="inspector/(?P<staff_id>[0-9]+)")
    def inspector(self, request, pk=None, staff_id=None):
        """Name the inspector by hand (keepers)."""
        cp = self._cp()
        staff = get_object_or_404(Staff, pk=id_param(staff_id) or 0)
        self._guard(lambda: services.set_inspector(user=request.user, campaign_place=cp, staff=staff))
        return Response(CampaignPlaceSerializer(cp).data)


class HazardFindingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField(source="campaign_id")
    place = serializers.IntegerField(source="place_id")
    place_name = serializers.CharField(source="place.name")
    title = serializers.CharField()
    description = serializers.CharField()
    level = serializers.CharField()
    status = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    owner_name = serializers.CharField(source="owner.name", default=None)
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    due_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    returned_count = serializers.IntegerField()
    is_overdue = serializers.BooleanField()
    incident_url = serializers.CharField()


class ReportInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    token = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class VerifyInSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("close", "close"), ("return", "return")])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ChangeInSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    due_at = serializers.DateTimeField(required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=Staff.objects.filter(is_active=True), required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    """Hazards found (隐患) and their rectification (整改)."""

    serializer_class = HazardFindingSerializer
    permission_classes = [RolePermission.with_roles(read=R, write=W)]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = selectors.findings(self.request.user).select_related("place", "owner").order_by("due_at", "pk")
        params = self.request.query_params
        if params.get("level") in Level.values:
            qs = qs.filter(level=params["level"])
        if params.get("status") in Finding.Status.values:
            qs = qs.filter(status=params["status"])
        if params.get("overdue"):
            qs = qs.overdue()
        campaign = id_param(params.get("campaign"))
        if campaign:
            qs = qs.filter(campaign_id=campaign)
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("level", str, enum=Level.values),
            OpenApiParameter("status", str, enum=Finding.Status.values),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("campaign", int),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _run(self, fn):
        try:
            return fn()
        except DjangoPermissionDenied:
            raise PermissionDenied

    @extend_schema(
        request={"multipart/form-data": ReportInSerializer, "application/json": ReportInSerializer}, responses=HazardFindingSerializer
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """The owner reports what was done (with photos)."""
        finding = self.get_object()
        if not access.can_rectify(request.user, finding):
            raise PermissionDenied
        body = ReportInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        photos = [f.read() for f in body.validated_data["photos"]]
        self._run(
            lambda: services.report_rectification(
                user=request.user, finding=finding, text=body.validated_data["text"], photos=photos, token=body.validated_data["token"]
            )
        )
        finding.refresh_from_db()
        return Response(HazardFindingSerializer(finding).data)

    @extend_schema(request=VerifyInSerializer, responses=HazardFindingSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """The inspector closes the hazard or returns it."""
        finding = self.get_object()
        if not access.can_verify(request.user, finding):
            raise PermissionDenied
        body = VerifyInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        finding = self._run(
            lambda: services.verify(
                user=request.user, finding=finding, close=body.validated_data["decision"] == "close", note=body.validated_data["note"]
            )
        )
        return Response(HazardFindingSerializer(finding).data)

    @extend_schema(request=ChangeInSerializer, responses=HazardFindingSerializer)
    @action(detail=True, methods=["post"])
    def change(self, request, pk=None):
        """Change the level, the deadline or the person responsible."""
        finding = self.get_object()
        if not access.can_manage_finding(request.user, finding):
            raise PermissionDenied
        body = ChangeInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        finding = self._run(
            lambda: services.change_finding(
                user=request.user,
                finding=finding,
                owner=data.get("owner"),
                due_at=data.get("due_at"),
                level=data.get("level"),
                note=data["note"],
            )
        )
        return Response(HazardFindingSerializer(finding).data)


class StaleLabSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    building = serializers.CharField(source="parent.name")
    last_inspected = serializers.DateTimeField(allow_null=True)


class StaleLabViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Labs not inspected in the last `days` days (default 90), never-inspected first."""

    serializer_class = StaleLabSerializer
    permission_classes = [RolePermission.with_roles(read=R, write=None)]

    def get_queryset(self):
        try:
            days = max(1, min(3650, int(self.request.query_params.get("days", 90))))
        except ValueError:
            raise ValidationError(_("days must be a whole number."))
        return selectors.stale_labs(self.request.user, days)

    @extend_schema(parameters=[OpenApiParameter("days", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


router = SimpleRouter()
router.register("checklists", ChecklistViewSet, basename="hazards-checklist")
router.register("campaigns", CampaignViewSet, basename="hazards-campaign")
router.register("places", CampaignPlaceViewSet, basename="hazards-place")
router.register("findings", FindingViewSet, basename="hazards-finding")
router.register("stale-labs", StaleLabViewSet, basename="hazards-stale-lab")

urlpatterns = [path("", include(router.urls))]

__all__ = ["urlpatterns", "Campaign"]
