"""/api/v1/notices/: notices and policies, their receipts, the reader's own list and
confirmation, and re-notifying (the public page for parents is a page only:
the API answers nobody without a sign-in). The same services and selectors as the pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from fangxian.core.params import id_param
from fangxian.org.models import Place, Unit
from fangxian.org.permissions import RolePermission
from fangxian.org.scope import scope_of

from . import access, selectors, services
from .models import AudienceKind, Kind, Notice, Receipt, SourceLevel


class AudienceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AudienceKind.choices)
    unit = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    campus = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    role = serializers.CharField(required=False, allow_blank=True, max_length=24)
    people = serializers.CharField(required=False, allow_blank=True, max_length=100_000)


class QuestionSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    choices = serializers.ListField(child=serializers.CharField(max_length=200), min_length=2, max_length=8)
    correct = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=7), max_length=8)


class NoticeWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField(max_length=200)
    issuer = serializers.CharField(max_length=100)
    number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    source_level = serializers.ChoiceField(choices=SourceLevel.choices, default=SourceLevel.SCHOOL)
    tags = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=200_000)
    is_public = serializers.BooleanField(default=False)
    requires_ack = serializers.BooleanField(default=True)
    pass_mark = serializers.IntegerField(min_value=0, max_value=100, default=100)
    max_attempts = serializers.IntegerField(min_value=0, max_value=20, default=3)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    audience = AudienceSerializer(many=True, required=False)
    questions = QuestionSerializer(many=True, required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reread = serializers.BooleanField(default=False)


class NoticeSerializer(serializers.ModelSerializer):
    tags = serializers.ListField(source="tag_list", child=serializers.CharField(), read_only=True)
    audience = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "title",
            "issuer",
            "number",
            "source_level",
            "tags",
            "body",
            "is_public",
            "requires_ack",
            "pass_mark",
            "max_attempts",
            "status",
            "publish_at",
            "published_at",
            "expires_at",
            "withdrawn_at",
            "version",
            "recipients",
            "audience",
            "in_force",
        ]

    def get_audience(self, obj) -> list[str]:
        return [rule.describe() for rule in obj.audience.select_related("unit", "campus")]

    def get_in_force(self, obj) -> bool:
        return obj.is_in_force()


class ReceiptSerializer(serializers.ModelSerializer):
    notice = serializers.IntegerField(source="notice_id")
    title = serializers.CharField(source="notice.title")
    number = serializers.CharField(source="notice.number")

    class Meta:
        model = Receipt
        fields = ["id", "notice", "title", "number", "created_at", "read_at", "attempts", "score"]


class UnreadSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    number = serializers.SerializerMethodField()
    unit = serializers.CharField(source="unit.name")

    class Meta:
        model = Receipt
        fields = ["id", "name", "number", "unit", "created_at", "attempts"]

    def get_name(self, obj) -> str:
        return obj.person.name

    def get_number(self, obj) -> str:
        return obj.student.student_number if obj.student_id else obj.staff.staff_number


def _specs(user, rows) -> list[services.AudienceSpec]:
    units = scope_of(user).units(Unit.objects.all())
    specs = []
    for n, row in enumerate(rows or [], start=1):
        unit = campus = None
        if row.get("unit"):
            unit = units.filter(pk=row["unit"]).first()
            if unit is None:
                raise serializers.ValidationError({"audience": [f"第{n}项受众：单位不存在或不在您的范围内。"]})
        if row.get("campus"):
            campus = Place.objects.filter(pk=row["campus"], kind=Place.Kind.CAMPUS).first()
            if campus is None:
                raise serializers.ValidationError({"audience": [f"第{n}项受众：校区不存在。"]})
        specs.append(services.AudienceSpec(row["kind"], unit=unit, campus=campus, role=row.get("role", ""), people=row.get("people", "")))
    return specs


def _draft(data) -> services.Draft:
    return services.Draft(
        **{
            k: data[k]
            for k in (
                "kind",
                "title",
                "issuer",
                "number",
                "source_level",
                "tags",
                "body",
                "is_public",
                "requires_ack",
                "pass_mark",
                "max_attempts",
                "expires_at",
            )
        }
    )


def _questions(data):
    if "questions" not in data:
        return None
    return [services.QuestionSpec(q["text"], list(q["choices"]), list(q["correct"])) for q in data["questions"]]


def _visible(request, pk) -> Notice:
    return get_object_or_404(selectors.visible_notices(request.user), pk=pk)


class NoticeList(generics.ListAPIView):
    serializer_class = NoticeSerializer
    permission_classes = [RolePermission.with_roles(read=access.READERS, write=access.PUBLISHER_ROLES)]

    @extend_schema(parameters=[OpenApiParameter("q", str, description="Search title, document number and text (Chinese substrings)")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.search(selectors.visible_notices(self.request.user), str(self.request.query_params.get("q", ""))[:100])
        return qs.order_by("-published_at", "-created_at", "-pk")

    @extend_schema(request=NoticeWriteSerializer, responses={201: NoticeSerializer})
    def post(self, request):
        if not access.can_publish(request.user):
            raise PermissionDenied
        serializer = NoticeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        notice = services.notice_create(
            by=request.user, draft=_draft(data), audience=_specs(request.user, data.get("audience")), questions=_questions(data)
        )
        return Response(NoticeSerializer(notice).data, status=201)


class NoticeDetail(generics.RetrieveAPIView):
    serializer_class = NoticeSerializer
    permission_classes = [RolePermission.with_roles(read=access.READERS, write=access.PUBLISHER_ROLES)]

    def get_queryset(self):
        return selectors.visible_notices(self.request.user)

    @extend_schema(request=NoticeWriteSerializer, responses={200: NoticeSerializer})
    def put(self, request, pk: int):
        if not access.can_publish(request.user):
            raise PermissionDenied
        notice = _visible(request, pk)
        serializer = NoticeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        audience = _specs(request.user, data["audience"]) if "audience" in data else None
        notice = services.notice_update(
            notice=notice,
            by=request.user,
            draft=_draft(data),
            audience=audience,
            questions=_questions(data),
            note=data["note"],
            reread=data["reread"],
        )
        return Response(NoticeSerializer(notice).data)


@extend_schema(
    request=inline_serializer("PublishRequest", {"publish_at": serializers.DateTimeField(required=False, allow_null=True)}),
    responses=NoticeSerializer,
    summary="Publish now, or at publish_at",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.READERS, write=access.PUBLISHER_ROLES)])
def publish(request, pk: int):
    if not access.can_publish(request.user):
        raise PermissionDenied
    notice = _visible(request, pk)
    field = serializers.DateTimeField(required=False, allow_null=True)
    raw = request.data.get("publish_at") if isinstance(request.data, dict) else None
    at = field.run_validation(raw) if raw not in (None, "") else None
    return Response(NoticeSerializer(services.publish(notice=notice, by=request.user, at=at)).data)


@extend_schema(request=None, responses=NoticeSerializer, summary="Withdraw a published or scheduled notice")
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.READERS, write=access.PUBLISHER_ROLES)])
def withdraw(request, pk: int):
    if not access.can_publish(request.user):
        raise PermissionDenied
    return Response(NoticeSerializer(services.withdraw(notice=_visible(request, pk), by=request.user)).data)


TREE = inline_serializer(
    "ReceiptTreeRow",
    {
        "unit": serializers.IntegerField(),
        "name": serializers.CharField(),
        "kind": serializers.CharField(),
        "depth": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "read": serializers.IntegerField(),
        "rate": serializers.IntegerField(),
    },
    many=True,
)


@extend_schema(responses=TREE, summary="Receipt rates for every level of the tree the caller sees")
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.READERS)])
def receipts(request, pk: int):
    notice = _visible(request, pk)
    return Response(
        [
            {
                "unit": r.unit.pk,
                "name": r.unit.name,
                "kind": r.unit.kind,
                "depth": r.depth,
                "total": r.total,
                "read": r.read,
                "rate": r.rate,
            }
            for r in selectors.receipt_tree(request.user, notice)
        ]
    )


class UnreadList(generics.ListAPIView):
    serializer_class = UnreadSerializer
    permission_classes = [RolePermission.with_roles(read=access.READERS)]

    @extend_schema(parameters=[OpenApiParameter("unit", int, description="Only this unit's subtree")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        notice = _visible(self.request, self.kwargs["pk"])
        unit = None
        unit_id = id_param(self.request.query_params.get("unit"))
        if unit_id:
            unit = get_object_or_404(scope_of(self.request.user).units(Unit.objects.all()), pk=unit_id)
        return selectors.unread(self.request.user, notice, unit)


@extend_schema(
    request=inline_serializer("RenotifyRequest", {"unit": serializers.IntegerField(required=False, allow_null=True)}),
    responses=inline_serializer(
        "RenotifyResult",
        {"sent": serializers.IntegerField(), "skipped": serializers.IntegerField(), "without_account": serializers.IntegerField()},
    ),
    summary="Remind the people of the caller's scope who have not read (at most once per person and day)",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.READERS, write=access.FOLLOWERS)])
def renotify(request, pk: int):
    if not access.can_follow_up(request.user):
        raise PermissionDenied
    notice = _visible(request, pk)
    unit = None
    unit_id = id_param(request.data.get("unit")) if isinstance(request.data, dict) else None
    if unit_id:
        unit = get_object_or_404(scope_of(request.user).units(Unit.objects.all()), pk=unit_id)
    result = services.renotify(notice=notice, by=request.user, unit=unit)
    return Response({"sent": result.sent, "skipped": result.skipped, "without_account": result.without_account})


class MyReceipts(generics.ListAPIView):
    """The caller's notices in force: to read first, then read."""

    serializer_class = ReceiptSerializer

    def get_queryset(self):
        return selectors.my_receipts(self.request.user).order_by("read_at", "-notice__published_at", "-pk")


@extend_schema(
    request=inline_serializer(
        "AcknowledgeRequest",
        {"answers": serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()), required=False)},
    ),
    responses=inline_serializer(
        "AcknowledgeResult",
        {
            "read": serializers.BooleanField(),
            "score": serializers.IntegerField(allow_null=True),
            "passed": serializers.BooleanField(allow_null=True),
            "attempts_left": serializers.IntegerField(allow_null=True),
        },
    ),
    summary="我已阅读并知晓: confirm a notice (answers: {question id: [choice indexes]})",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=None, write=None)])  # the caller's own receipt
def acknowledge(request, pk: int):
    receipt = get_object_or_404(Receipt.objects.filter(user=request.user), notice__pk=pk)
    answers = request.data.get("answers", {}) if isinstance(request.data, dict) else {}
    if not isinstance(answers, dict):
        raise serializers.ValidationError({"answers": ["答案格式不对：应为 {题目编号: [选项序号]}。"]})
    result = services.acknowledge(receipt=receipt, by=request.user, answers=answers)
    return Response({"read": result.read, "score": result.score, "passed": result.passed, "attempts_left": result.attempts_left})


urlpatterns = [
    path("", NoticeList.as_view(), name="api-notices"),
    path("mine/", MyReceipts.as_view(), name="api-notices-mine"),
    path("<int:pk>/", NoticeDetail.as_view(), name="api-notice"),
    path("<int:pk>/publish/", publish, name="api-notice-publish"),
    path("<int:pk>/withdraw/", withdraw, name="api-notice-withdraw"),
    path("<int:pk>/receipts/", receipts, name="api-notice-receipts"),
    path("<int:pk>/unread/", UnreadList.as_view(), name="api-notice-unread"),
    path("<int:pk>/renotify/", renotify, name="api-notice-renotify"),
    path("<int:pk>/acknowledge/", acknowledge, name="api-notice-acknowledge"),
]
