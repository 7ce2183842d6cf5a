"""/api/v1/care/: care plans, follow-ups (a psychological record's content is never in the
API), help requests (a student asks, staff answer), meal ratings, fever referrals. The same
selectors and services as the pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from fangxian.accounts.roles import Role, roles_of
from fangxian.core.params import id_param
from fangxian.org.access import require_write
from fangxian.org.models import Student
from fangxian.org.permissions import RolePermission

from . import access, selectors, services
from .models import CarePlan, FeverReferral, FollowUp, HelpRequest, Meal, MealRating


class PlanSerializer(serializers.ModelSerializer):
    student_name = serializers.CharField(source="student.name")
    owner_name = serializers.CharField(source="owner.name")
    kind_display = serializers.CharField(source="get_kind_display")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = CarePlan
        fields = [
            "id",
            "student",
            "student_name",
            "kind",
            "kind_display",
            "group_code",
            "group_name",
            "owner",
            "owner_name",
            "interval_days",
            "starts_on",
            "last_follow_up_at",
            "next_due_at",
            "overdue",
        ]

    def get_overdue(self, plan) -> bool:
        return plan.is_overdue()


class FollowUpSerializer(serializers.ModelSerializer):
    confidential = serializers.BooleanField(source="is_confidential")
    content = serializers.SerializerMethodField(help_text="Null for a psychological record: its content is never in the API.")
    needs_attention = serializers.SerializerMethodField(help_text="Null for a psychological record (part of its content).")

    class Meta:
        model = FollowUp
        fields = ["id", "plan", "student", "kind", "at", "mode", "needs_attention", "confidential", "content"]

    def get_content(self, follow_up) -> str | None:
        return None if follow_up.is_confidential else follow_up.content

    def get_needs_attention(self, follow_up) -> bool | None:
        return None if follow_up.is_confidential else follow_up.needs_attention


class HelpSerializer(serializers.ModelSerializer):
    student_name = serializers.CharField(source="student.name", read_only=True)

    class Meta:
        model = HelpRequest
        fields = ["id", "student", "student_name", "kind", "text", "created_at", "due_at", "answer", "answered_by_name", "answered_at"]
        read_only_fields = ["student", "created_at", "due_at", "answer", "answered_by_name", "answered_at"]


class AskSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HelpRequest.Kind.choices)
    text = serializers.CharField(max_length=500)
    token = serializers.CharField(max_length=40, required=False, allow_blank=True, help_text="The same token twice is one request.")


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=500)


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = MealRating
        fields = ["id", "canteen", "day", "meal", "score", "comment", "is_complaint", "reply", "replied_at"]


class RateSerializer(serializers.Serializer):
    canteen = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    meal = serializers.ChoiceField(choices=Meal.choices)
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    complaint = serializers.BooleanField(required=False, default=False)


class ReferralSerializer(serializers.ModelSerializer):
    student_name = serializers.CharField(source="student.name")
    result_display = serializers.CharField(source="get_result_display")

    class Meta:
        model = FeverReferral
        fields = ["id", "student", "student_name", "hospital", "referred_at", "from_where", "result", "result_display", "back_on_campus_at"]


class PlanList(generics.ListAPIView):
    """Active care plans (关爱计划) in the caller's scope, the overdue first."""

    serializer_class = PlanSerializer
    permission_classes = [RolePermission.with_roles(read=access.CARE_READERS)]

    def get_queryset(self):
        return selectors.plan_list(self.request.user)


class FollowUpList(generics.ListAPIView):
    """Care follow-ups (关爱跟进) in the caller's scope; a psychological one shows only that it happened."""

    serializer_class = FollowUpSerializer
    permission_classes = [RolePermission.with_roles(read=access.CARE_READERS)]

    def get_queryset(self):
        return selectors.visible_follow_ups(self.request.user).order_by("-at", "-id")


class HelpList(generics.ListAPIView):
    """Help requests (求助): a student's own; staff those in their scope. POST: a student asks."""

    serializer_class = HelpSerializer
    permission_classes = [RolePermission.with_roles(read=access.HELP_READERS | access.STUDENTS, write=access.STUDENTS)]

    def get_queryset(self):
        return selectors.visible_help(self.request.user).select_related("student").order_by("-created_at", "-id")

    @extend_schema(request=AskSerializer, responses={201: HelpSerializer, 400: OpenApiResponse(description="Bad input")})
    def post(self, request):
        student = Student.objects.filter(user=request.user).first()
        if student is None:
            raise PermissionDenied
        data = AskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.help_ask(student=student, by=request.user, **data.validated_data)
        return Response(HelpSerializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema(
    request=AnswerSerializer,
    responses={200: HelpSerializer, 400: OpenApiResponse(description="Bad input")},
    summary="Answer a help request",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.HELP_READERS, write=access.HELP_ANSWERERS)])
def help_answer(request, pk):
    help_request = get_object_or_404(selectors.visible_help(request.user), pk=id_param(pk))
    require_write(request.user, access.HELP_ANSWERERS, help_request)
    data = AnswerSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    answered = services.help_answer(request=help_request, by=request.user, answer=data.validated_data["answer"])
    return Response(HelpSerializer(answered).data)


class RatingList(generics.ListAPIView):
    """Meal ratings (饭菜评价): a student's own; the logistics office and canteens theirs. POST: a student rates a meal of today, once."""

    serializer_class = RatingSerializer
    permission_classes = [RolePermission.with_roles(read=access.MEAL_READERS | access.STUDENTS, write=access.STUDENTS)]

    def get_queryset(self):
        rows = selectors.visible_ratings(self.request.user)
        if Role.STUDENT in roles_of(self.request.user):
            rows = rows.filter(student__user=self.request.user)
        return rows.order_by("-day", "-created_at", "-id")

    @extend_schema(
        request=RateSerializer, responses={201: RatingSerializer, 400: OpenApiResponse(description="Bad input, or rated already")}
    )
    def post(self, request):
        student = Student.objects.filter(user=request.user).first()
        if student is None:
            raise PermissionDenied
        data = RateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        canteen = get_object_or_404(selectors.visible_canteens(request.user), pk=values.pop("canteen"))
        rating = services.meal_rate(student=student, canteen=canteen, day=timezone.localdate(), **values)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class ReferralList(generics.ListAPIView):
    """Fever clinic referrals (发热门诊转诊) in the caller's scope."""

    serializer_class = ReferralSerializer
    permission_classes = [RolePermission.with_roles(read=access.REFERRAL_READERS)]

    def get_queryset(self):
        return selectors.referral_list(self.request.user)


@extend_schema(
    responses=inline_serializer(
        "CareFigures",
        {
            "overdue": serializers.IntegerField(),
            "open_help": serializers.IntegerField(),
            "ratings": serializers.IntegerField(),
            "average": serializers.FloatField(allow_null=True),
        },
    ),
    summary="Today's care figures in the caller's scope",
)
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.CARE_READERS)])
def figures(request):
    f = selectors.day_figures(request.user, timezone.localdate())
    return Response({"overdue": f.overdue, "open_help": f.open_help, "ratings": f.ratings, "average": f.average})


urlpatterns = [
    path("plans/", PlanList.as_view(), name="api-care-plans"),
    path("follow-ups/", FollowUpList.as_view(), name="api-care-follow-ups"),
    path("help/", HelpList.as_view(), name="api-care-help"),
    path("help/<str:pk>/answer/", help_answer, name="api-care-help-answer"),
    path("ratings/", RatingList.as_view(), name="api-care-ratings"),
    path("referrals/", ReferralList.as_view(), name="api-care-referrals"),
    path("figures/", figures, name="api-care-figures"),
]
