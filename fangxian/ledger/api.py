"""/api/v1/ledger/: ledger entries (scoped), status changes with the version for
optimistic concurrency, and stay applications. Same selectors and services as the pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import include, path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from fangxian.core.params import id_param
from fangxian.core.personal import mask_value, masked_fields
from fangxian.org.models import Place, Student
from fangxian.org.permissions import RolePermission

from . import selectors, services
from .access import APPLICANTS, APPLICATION_READERS, STAFF_ROLES, WRITE_ROLES
from .models import Status, StayApplication, StayReason


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period = serializers.IntegerField(source="period_id")
    student = serializers.IntegerField(source="student_id")
    student_number = serializers.CharField(source="student.student_number")
    name = serializers.CharField(source="student.name")
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    status_since = serializers.DateField()
    expected_return = serializers.DateField(allow_null=True)
    version = serializers.IntegerField(help_text="Send it back with a status change; a change made since is refused with 409.")
    college = serializers.IntegerField(source="college_id")
    klass = serializers.IntegerField(source="klass_id")
    campus = serializers.IntegerField(source="campus_id")
    building = serializers.IntegerField(source="building_id")
    bed = serializers.IntegerField(source="bed_id")
    next_statuses = serializers.SerializerMethodField()

    def get_next_statuses(self, entry) -> list[str]:
        return [value for value, _label in entry.next_statuses]


# The statuses a person sets by hand (registration and approval come from the application).
MANUAL_STATUSES = [(s, Status(s).label) for s in (Status.ON_CAMPUS, Status.OUT, Status.RETURNED, Status.LEFT)]


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MANUAL_STATUSES)
    version = serializers.IntegerField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    expected_return = serializers.DateField(required=False, allow_null=True, default=None)
    confirmed = serializers.BooleanField(
        required=False, default=False, help_text="Required (true) with a return date to let a high-risk student out."
    )


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = EntrySerializer()


class EntryFilterSerializer(serializers.Serializer):
    """The list's filters; ids outside the database's integer range are refused (400)."""

    period = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    college = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    klass = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    building = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = serializers.ChoiceField(required=False, choices=Status.choices)


class EntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Ledger entries (台账条目) in the caller's scope."""

    serializer_class = EntrySerializer
    permission_classes = [RolePermission.with_roles(read=STAFF_ROLES, write=WRITE_ROLES)]

    def get_queryset(self):
        qs = selectors.visible_entries(self.request.user).select_related("student").order_by("pk")
        if self.action != "list":
            return qs
        params = EntryFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        for name, value in params.validated_data.items():
            qs = qs.filter(**{name if name == "status" else f"{name}_id": value})
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("period", int),
            OpenApiParameter("college", int),
            OpenApiParameter("klass", int),
            OpenApiParameter("building", int),
            OpenApiParameter("status", str, enum=Status.values),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=StatusChangeSerializer,
        responses={200: EntrySerializer, 400: OpenApiResponse(description="Not allowed"), 409: ConflictSerializer},
        summary="Change a student's status (optimistic concurrency by version)",
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        entry = get_object_or_404(self.get_queryset(), pk=id_param(pk))
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            entry = services.entry_change_status(entry=entry, by=request.user, **data.validated_data)
        except services.EntryConflict as exc:
            current = selectors.visible_entries(request.user).select_related("student").get(pk=entry.pk)
            return Response({"detail": exc.messages[0], "current": EntrySerializer(current).data}, status=status.HTTP_409_CONFLICT)
        return Response(EntrySerializer(selectors.visible_entries(request.user).select_related("student").get(pk=entry.pk)).data)


class ApplicationSerializer(serializers.ModelSerializer):
    pledge_agreed = serializers.BooleanField(write_only=True, help_text="The student agrees to the safety pledge.")
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)

    class Meta:
        model = StayApplication
        fields = [
            "id",
            "period",
            "student",
            "start_date",
            "end_date",
            "reason",
            "reason_note",
            "bed",
            "emergency_contact",
            "emergency_phone",
            "parent_name",
            "parent_phone",
            "pledge_agreed",
            "pledge_agreed_at",
            "stage",
            "stage_display",
            "source",
            "counselor_comment",
            "college_comment",
            "version",
        ]
        read_only_fields = ["student", "pledge_agreed_at", "stage", "source", "counselor_comment", "college_comment", "version"]

    def to_representation(self, instance):
        # Phones as the inventory masks them (138****5678); only the applicant reads their
        # own in full. A full number is revealed on the entry page, with a reason.
        data = super().to_representation(instance)
        request = self.context.get("request")
        own = request is not None and instance.student.user_id is not None and instance.student.user_id == request.user.pk
        if not own:
            for name, mask in masked_fields("ledger.StayApplication").items():
                if name in data:
                    data[name] = mask_value(data[name], mask)
        return data


class ApplicationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Stay applications (留校申请) in the caller's scope; a student creates their own."""

    serializer_class = ApplicationSerializer
    permission_classes = [RolePermission.with_roles(read=APPLICATION_READERS, write=APPLICANTS)]

    def get_queryset(self):
        return selectors.visible_applications(self.request.user).select_related("student").order_by("pk")

    def create(self, request, *args, **kwargs):
        student = Student.objects.filter(user=request.user).first()
        if student is None:
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        period = data["period"]
        if period.institution_id != student.institution_id:
            raise PermissionDenied
        reason = get_object_or_404(StayReason, pk=data["reason"].pk, period=period)
        bed = get_object_or_404(Place, pk=data["bed"].pk)
        app = services.application_submit(
            student=student,
            period=period,
            start_date=data["start_date"],
            end_date=data["end_date"],
            reason=reason,
            reason_note=data.get("reason_note", ""),
            bed=bed,
            emergency_contact=data["emergency_contact"],
            emergency_phone=data["emergency_phone"],
            parent_name=data["parent_name"],
            parent_phone=data["parent_phone"],
            pledge_agreed=data["pledge_agreed"],
            by=request.user,
            on=timezone.localdate(),
        )
        return Response(self.get_serializer(app).data, status=status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("entries", EntryViewSet, basename="ledger-entry")
router.register("applications", ApplicationViewSet, basename="ledger-application")

urlpatterns = [path("", include(router.urls))]
