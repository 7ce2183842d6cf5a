"""/api/v1/org/: the organisation for programs (WeCom/DingTalk integrations, the mobile app).

The same scope as the pages: every queryset starts from a `visible_*` selector, so an
object outside the caller's scope is 404; roles are checked by RolePermission with the role
sets of access.py, and writes go through the same services."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from fangxian.core import api_fields
from fangxian.core.params import date_param, datetime_param, id_param

from . import selectors, services
from .access import (
    ASSIGNMENT_READERS,
    ASSIGNMENT_WRITERS,
    COVERAGE_READERS,
    PEOPLE_READERS,
    STUDENT_DETAIL_READERS,
    TREE_READERS,
    assignable_roles,
    assignment_for_change,
)
from .coverage import coverage_report
from .models import Assignment, Place, Staff, Student, Unit
from .permissions import RolePermission
from .registry import assignment_role
from .scope import scope_of

# -- serializers ------------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code", "kind", "parent", "campus", "path", "depth", "archived_at"]


class PlaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Place
        fields = ["id", "name", "code", "kind", "use", "gender", "parent", "institution", "path", "depth", "archived_at"]


class StudentSerializer(serializers.ModelSerializer):
    """Personal numbers only masked: a full number is revealed on the page, with a record."""

    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)

    class Meta:
        model = Student
        fields = ["id", "student_number", "name", "gender", "id_number", "phone", "klass", "bed", "status"]


class StaffSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)

    class Meta:
        model = Staff
        fields = ["id", "staff_number", "name", "gender", "id_number", "phone", "unit", "title", "is_active"]


class AssignmentSerializer(serializers.ModelSerializer):
    starts_at = api_fields.DateTimeField(required=False, allow_null=True)
    ends_at = api_fields.DateTimeField(required=False, allow_null=True)

    class Meta:
        model = Assignment
        fields = ["id", "staff", "role", "unit", "place", "student", "start_date", "end_date", "starts_at", "ends_at", "note"]
        read_only_fields = ["id"]
        # The first day may be left out when a start time is given (it follows from it).
        extra_kwargs = {"start_date": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            user = request.user
            # Related objects are looked up in the caller's scope: an id outside it is
            # "does not exist", exactly like a page.
            self.fields["staff"].queryset = selectors.visible_staff(user).filter(is_active=True)
            self.fields["unit"].queryset = selectors.visible_units(user).active()
            self.fields["place"].queryset = selectors.visible_places(user).active()
            self.fields["student"].queryset = selectors.visible_students(user)

    def validate_role(self, value):
        if assignment_role(value) is None:
            raise serializers.ValidationError(_("Unknown role “%(role)s”.") % {"role": value})
        request = self.context["request"]
        if value not in assignable_roles(request.user):
            raise PermissionDenied
        return value

    def validate(self, attrs):
        starts_at, ends_at = attrs.get("starts_at"), attrs.get("ends_at")
        if not attrs.get("start_date") and not starts_at:
            raise serializers.ValidationError({"start_date": [_("Give the first day, or a start time.")]})
        if starts_at and ends_at and ends_at <= starts_at:
            raise serializers.ValidationError({"ends_at": [_("The end time must be after the start time.")]})
        attrs.setdefault("start_date", None)
        return attrs


class EndSerializer(serializers.Serializer):
    end_date = serializers.DateField()


class HandoverSerializer(serializers.Serializer):
    to_staff = serializers.IntegerField()
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class GapSerializer(serializers.Serializer):
    kind = serializers.CharField()
    role = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    name = serializers.CharField()
    trail = serializers.ListField(child=serializers.CharField())


class DayGapSerializer(serializers.Serializer):
    kind = serializers.CharField()
    role = serializers.CharField()
    day = serializers.DateField()


class RuleSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    shape = serializers.ChoiceField(choices=["node", "calendar", "student"])
    count = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    day = serializers.DateField()
    at = serializers.DateTimeField(allow_null=True)
    rules = RuleSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    gaps = GapSerializer(many=True)
    days = DayGapSerializer(many=True)
    students_without_one_to_one = serializers.ListField(child=serializers.IntegerField())


# -- viewsets ---------------------------------------------------------------------------


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [RolePermission.with_roles(read=TREE_READERS)]
    serializer_class = UnitSerializer

    def get_queryset(self):
        return selectors.visible_units(self.request.user).order_by("path")


class PlaceViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [RolePermission.with_roles(read=TREE_READERS)]
    serializer_class = PlaceSerializer

    def get_queryset(self):
        return selectors.visible_places(self.request.user).order_by("path")


class StudentViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [RolePermission.with_roles(read=STUDENT_DETAIL_READERS)]
    serializer_class = StudentSerializer

    def get_queryset(self):
        return selectors.visible_students(self.request.user).order_by("student_number")


class StaffViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [RolePermission.with_roles(read=PEOPLE_READERS)]
    serializer_class = StaffSerializer

    def get_queryset(self):
        return selectors.visible_staff(self.request.user).order_by("staff_number")


class AssignmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    # Writing (create, end, hand over) needs a writer's role and a scope that is not
    # read-only; which assignment roles, and which targets, is asked per object below.
    permission_classes = [RolePermission.with_roles(read=ASSIGNMENT_READERS, write=ASSIGNMENT_WRITERS)]
    serializer_class = AssignmentSerializer

    def get_queryset(self):
        return selectors.visible_assignments(self.request.user).select_related("staff").order_by("-start_date", "-id")

    def _managed(self, pk) -> Assignment:
        # Http404 and Django's PermissionDenied become DRF's 404 and 403.
        return assignment_for_change(self.request.user, id_param(pk))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.assignment_create(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndSerializer, responses=AssignmentSerializer, summary="End a responsibility on a given last day")
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self._managed(pk)
        data = EndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.assignment_end(assignment=assignment, on=data.validated_data["end_date"])
        return Response(self.get_serializer(assignment).data)

    @extend_schema(request=HandoverSerializer, responses=AssignmentSerializer, summary="Hand a responsibility over to another staff member")
    @action(detail=True, methods=["post"])
    def handover(self, request, pk=None):
        assignment = self._managed(pk)
        data = HandoverSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to_staff = selectors.visible_staff(request.user).filter(is_active=True, pk=data.validated_data["to_staff"]).first()
        if to_staff is None:
            raise serializers.ValidationError({"to_staff": [_("Choose from the list.")]})
        new = services.assignment_handover(
            assignment=assignment,
            to_staff=to_staff,
            on=data.validated_data["on"],
            by=request.user,
            note=data.validated_data.get("note", ""),
        )
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)


class CoverageGapsView(APIView):
    permission_classes = [RolePermission.with_roles(read=COVERAGE_READERS)]

    @extend_schema(
        responses=CoverageSerializer,
        summary="Coverage gaps: nodes and students without anyone responsible",
        parameters=[
            OpenApiParameter("on", str, description="Date (YYYY-MM-DD), today by default"),
            OpenApiParameter("at", str, description="A moment (ISO 8601, Asia/Shanghai if no offset): who is responsible then"),
            OpenApiParameter("campus", int),
            OpenApiParameter("college", int),
        ],
    )
    def get(self, request):
        day = date_param(request.query_params.get("on"), "on", default=timezone.localdate())
        at = datetime_param(request.query_params.get("at"), "at")
        campus = college = None
        if request.query_params.get("campus"):
            campuses = selectors.visible_places(request.user).filter(kind=Place.Kind.CAMPUS)
            campus = campuses.filter(pk=id_param(request.query_params["campus"])).first()
            if campus is None:
                raise NotFound
        if request.query_params.get("college"):
            college = selectors.visible_units(request.user).filter(pk=id_param(request.query_params["college"])).first()
            if college is None:
                raise NotFound
        report = coverage_report(day=day, at=at, scope=scope_of(request.user), campus=campus, college=college)
        gaps = [
            {
                "kind": section.key,
                "role": gap.role,
                "target_type": gap.target_field,
                "target_id": gap.node.pk,
                "name": gap.node.name,
                "trail": gap.trail,
            }
            for section in report.sections("node")
            for gap in section.gaps
        ]
        days = [{"kind": section.key, "role": gap.role, "day": gap.day} for section in report.sections("calendar") for gap in section.gaps]
        rules = [{"key": s.key, "label": str(s.label), "shape": s.shape, "count": s.count} for s in report.sections()]
        students = report.students
        body = {
            "day": report.day,
            "at": report.at,
            "rules": rules,
            "counts": report.counts,
            "gaps": gaps,
            "days": days,
            "students_without_one_to_one": list(students.values_list("pk", flat=True)) if students is not None else [],
        }
        return Response(CoverageSerializer(body).data)


router = SimpleRouter()
router.register("units", UnitViewSet, basename="org-unit")
router.register("places", PlaceViewSet, basename="org-place")
router.register("students", StudentViewSet, basename="org-student")
router.register("staff", StaffViewSet, basename="org-staff")
router.register("assignments", AssignmentViewSet, basename="org-assignment")

urlpatterns = [
    *router.urls,
    path("coverage-gaps/", CoverageGapsView.as_view(), name="org-coverage-gaps"),
]
