"""/api/v1/screening/: rounds and their coverage (scoped), tubes with their people, the
caller's own slot and history, and the sampler's recording of a sampling. Same selectors
and services as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import include, path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from fangxian.org.models import Place
from fangxian.org.permissions import RolePermission

from . import access, selectors, services
from .models import Result, Round, Tube


class SlotSerializer(serializers.Serializer):
    place = serializers.IntegerField(source="place_id")
    place_name = serializers.CharField(source="place.name")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    day = serializers.DateField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    pool_size = serializers.IntegerField()
    repeat_days = serializers.IntegerField()
    slots = SlotSerializer(many=True)


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key", allow_null=True)
    name = serializers.CharField()
    expected = serializers.IntegerField()
    sampled = serializers.IntegerField()
    missing = serializers.IntegerField()


class MissingSerializer(serializers.Serializer):
    student = serializers.IntegerField(source="student_id", allow_null=True)
    staff = serializers.IntegerField(source="staff_id", allow_null=True)
    name = serializers.CharField(source="person.name")
    number = serializers.CharField()
    unit = serializers.CharField(source="unit_name")


class RoundCoverageSerializer(serializers.Serializer):
    expected = serializers.IntegerField()
    sampled = serializers.IntegerField()
    missing_count = serializers.IntegerField()
    flagged_tubes = serializers.IntegerField()
    by_unit = GroupSerializer(many=True)
    by_class = GroupSerializer(many=True)
    by_building = GroupSerializer(many=True)
    missing = MissingSerializer(many=True)


class TubePersonSerializer(serializers.Serializer):
    name = serializers.CharField(source="member.person.name")
    number = serializers.CharField(source="member.number")
    sampled_at = serializers.DateTimeField()
    result = serializers.ChoiceField(choices=Result.choices)


class TubeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField(source="round_id")
    number = serializers.CharField()
    capacity = serializers.IntegerField()
    size = serializers.IntegerField()
    result = serializers.ChoiceField(choices=Result.choices)
    incident_url = serializers.CharField()


class TubeDetailSerializer(TubeSerializer):
    people = serializers.SerializerMethodField()

    def get_people(self, tube) -> list[dict]:
        return TubePersonSerializer(selectors.tube_members(self.context["request"].user, tube), many=True).data


class RoundViewSet(viewsets.ReadOnlyModelViewSet):
    """Screening rounds the caller sees; `coverage` is expected / sampled / missing in their scope."""

    serializer_class = RoundSerializer
    permission_classes = [RolePermission.with_roles(read=access.READERS)]

    def get_queryset(self):
        return selectors.visible_rounds(self.request.user).prefetch_related("slots__place").order_by("-day", "-id")

    @extend_schema(responses={200: RoundCoverageSerializer})
    @action(detail=True)
    def coverage(self, request, pk=None):
        round = self.get_object()
        return Response(RoundCoverageSerializer(selectors.coverage(request.user, round)).data)

    @extend_schema(responses={200: TubeSerializer(many=True)})
    @action(detail=True)
    def flagged(self, request, pk=None):
        round = self.get_object()
        return Response(TubeSerializer(selectors.flagged_tubes(request.user, round), many=True).data)


class TubeViewSet(viewsets.ReadOnlyModelViewSet):
    """Tubes with someone of the caller's scope in them, and who is in each."""

    serializer_class = TubeDetailSerializer
    permission_classes = [RolePermission.with_roles(read=access.READERS)]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Tube.objects.none()
        return selectors.visible_tubes(self.request.user).order_by("round_id", "number")

    def get_serializer_class(self):
        return TubeSerializer if self.action == "list" else TubeDetailSerializer


class MineSerializer(serializers.Serializer):
    round = serializers.IntegerField(source="round_id")
    round_name = serializers.CharField(source="round.name")
    day = serializers.DateField(source="round.day")
    place = serializers.CharField(source="slot.place.name", allow_null=True, default=None)
    slot_starts_at = serializers.DateTimeField(source="slot.starts_at", allow_null=True, default=None)
    slot_ends_at = serializers.DateTimeField(source="slot.ends_at", allow_null=True, default=None)
    sampled_at = serializers.DateTimeField(allow_null=True)
    result = serializers.SerializerMethodField()

    def get_result(self, member) -> str:
        return member.sample.result if member.sampled_at else ""


@extend_schema(responses={200: MineSerializer(many=True)}, description="The caller's rounds: slot, sampling and result, newest first.")
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.SELF)])
def mine(request):
    return Response(MineSerializer(selectors.my_members(request.user)[:30], many=True).data)


class SampleInSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    site = serializers.IntegerField(help_text="The sampling site (a place of the round).")
    tube = serializers.CharField(max_length=40)
    capacity = serializers.ChoiceField(choices=[1, 10, 20])
    scan = serializers.CharField(
        max_length=2000, help_text="The personal pass read from the person's phone, or a student, staff or ID number."
    )


class SampleOutSerializer(serializers.Serializer):
    created = serializers.BooleanField()
    name = serializers.CharField()
    tube = serializers.CharField()
    size = serializers.IntegerField()
    capacity = serializers.IntegerField()


class ProblemSerializer(serializers.Serializer):
    detail = serializers.CharField()


@extend_schema(
    request=SampleInSerializer,
    responses={
        201: SampleOutSerializer,
        200: SampleOutSerializer,
        400: ProblemSerializer,
        404: OpenApiResponse(description="No such round or site for this sampler."),
    },
    description="Record one sampling (the sampler's phone). Scanning someone sampled already answers 200 with their sampling.",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=(), write=access.SAMPLER_PAGE)])
def sample(request):
    data = SampleInSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    places = services.sampler_places(request.user)
    round = next((r for r in selectors.sampler_rounds(places) if r.pk == values["round"]), None)
    if round is None:
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    site = get_object_or_404(Place.objects.filter(pk__in=[p.pk for p in selectors.sampler_sites(round, places)]), pk=values["site"])
    try:
        done = services.sample_record(
            round=round, place=site, tube_number=values["tube"], capacity=int(values["capacity"]), text=values["scan"], by=request.user
        )
    except ValidationError as exc:
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    s = done.sample
    body = {"created": done.created, "name": s.member.person.name, "tube": s.tube.number, "size": s.tube.size, "capacity": s.tube.capacity}
    return Response(body, status=status.HTTP_201_CREATED if done.created else status.HTTP_200_OK)


router = SimpleRouter()
router.register("rounds", RoundViewSet, basename="screening-round")
router.register("tubes", TubeViewSet, basename="screening-tube")

urlpatterns = [
    path("", include(router.urls)),
    path("mine/", mine, name="screening-mine"),
    path("samples/", sample, name="screening-sample"),
]

__all__ = ["Round", "Tube"]
