"""/api/v1/duty/: rosters and their shifts, filling from a rotation, my posts, check-in and
handover, pings and their answers, the duty log, gaps, who is on post now, reachability, and
swaps. The same selectors and services as the pages (Chinese messages on bad input: 400)."""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from fangxian.core.params import date_param, id_param
from fangxian.org.permissions import RolePermission
from fangxian.org.scope import scope_of

from . import access, selectors, services
from .models import LogEntry, PingRequest, PingSchedule, Post, Roster, Swap
from .services.people import resolve


class RosterSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name")

    class Meta:
        model = Roster
        fields = ["id", "unit", "unit_name", "pattern", "day_starts", "check_in_minutes", "staff_needed"]


class PersonOnDutySerializer(serializers.Serializer):
    post = serializers.IntegerField(source="pk")
    staff = serializers.IntegerField(source="staff_id")
    name = serializers.CharField(source="staff.name")
    role = serializers.CharField()
    phone = serializers.SerializerMethodField()
    checked_in_at = serializers.DateTimeField(allow_null=True)

    def get_phone(self, post) -> str:
        return post.phone if self.context.get("reveal") else post.phone_masked


class ShiftRowSerializer(serializers.Serializer):
    day = serializers.DateField()
    weekday = serializers.CharField()
    slot = serializers.IntegerField()
    label = serializers.CharField()
    leaders = PersonOnDutySerializer(many=True)
    staff = PersonOnDutySerializer(many=True)


class PostSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="shift.roster.unit_id")
    unit_name = serializers.CharField(source="shift.roster.unit.name")
    starts_at = serializers.DateTimeField(source="shift.starts_at")
    ends_at = serializers.DateTimeField(source="shift.ends_at")

    class Meta:
        model = Post
        fields = ["id", "unit", "unit_name", "role", "starts_at", "ends_at", "phone", "checked_in_at", "checked_out_at", "handover_note"]


class FillSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    mode = serializers.ChoiceField(choices=["turns", "weekly"], default="turns")
    leaders = serializers.CharField(max_length=2000, help_text="Names or staff numbers, separated by 、 or commas.")
    staff = serializers.CharField(max_length=4000, help_text="Names or staff numbers, separated by 、 or commas.")


class PingRequestSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="post.shift.roster.unit.name")
    sent_at = serializers.DateTimeField(source="ping.sent_at")

    class Meta:
        model = PingRequest
        fields = ["id", "ping", "unit_name", "sent_at", "closes_at", "answered_at"]


class PingSendSerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    minutes = serializers.IntegerField(min_value=1, max_value=120, default=10)


class PingScheduleSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = PingSchedule
        fields = ["id", "unit", "unit_name", "per_day", "window_start", "window_end", "answer_minutes", "active"]


class PingScheduleSetSerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1, help_text="None: every unit (the office)"
    )
    per_day = serializers.IntegerField(min_value=1, max_value=12)
    window_start = serializers.TimeField()
    window_end = serializers.TimeField(help_text="Earlier than window_start: past midnight")
    minutes = serializers.IntegerField(min_value=1, max_value=120, default=10)
    active = serializers.BooleanField(default=True)


class LogEntrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="post.staff.name", read_only=True)
    unit_name = serializers.CharField(source="post.shift.roster.unit.name", read_only=True)

    class Meta:
        model = LogEntry
        fields = ["id", "post", "name", "unit_name", "kind", "text", "written_at"]
        read_only_fields = ["post", "written_at"]


class SwapSerializer(serializers.ModelSerializer):
    class Meta:
        model = Swap
        fields = ["id", "post", "shift", "requester", "colleague", "reason", "status", "created_at", "answered_at", "decided_at"]


class SwapAskSerializer(serializers.Serializer):
    post = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    colleague = serializers.CharField(max_length=100, help_text="Name or staff number.")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SwapActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["accept", "decline", "approve", "reject", "withdraw"])


GapsSerializer = inline_serializer(
    "DutyGaps",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "without_roster": serializers.ListField(child=serializers.DictField()),
        "empty": serializers.ListField(child=serializers.DictField()),
        "twice": serializers.ListField(child=serializers.DictField()),
        "on_leave": serializers.ListField(child=serializers.DictField()),
    },
)


class ReachSerializer(serializers.Serializer):
    name = serializers.CharField()
    asked = serializers.IntegerField()
    answered = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    median_seconds = serializers.FloatField(allow_null=True)


def _reveal(user) -> bool:
    return bool(scope_of(user).roles & access.PHONE_ROLES)


@extend_schema(responses=RosterSerializer(many=True), summary="Duty rosters (值班表) in the caller's scope")
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.READERS)])
def rosters(request):
    return Response(RosterSerializer(selectors.visible_rosters(request.user), many=True).data)


@extend_schema(
    parameters=[OpenApiParameter("month", str, description="Any day of the month (YYYY-MM-DD); default this month")],
    responses=ShiftRowSerializer(many=True),
    summary="A roster's shifts of one month, with the people on duty",
)
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.READERS)])
def roster_shifts(request, pk: int):
    roster = get_object_or_404(selectors.visible_rosters(request.user), pk=id_param(pk))
    month = date_param(request.query_params.get("month"), "month", default=timezone.localdate())
    first, last = selectors.month_bounds(month)
    rows = selectors.roster_rows(roster, first, last)
    return Response(ShiftRowSerializer(rows, many=True, context={"reveal": _reveal(request.user)}).data)


@extend_schema(
    request=FillSerializer,
    responses={200: inline_serializer("DutyFilled", {"posts": serializers.IntegerField()}), 400: OpenApiResponse(description="Refused")},
    summary="Fill a date range from a rotation (all or nothing)",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.WRITERS, write=access.WRITERS)])
def roster_fill(request, pk: int):
    from django.core.exceptions import ValidationError

    roster = get_object_or_404(selectors.visible_rosters(request.user), pk=id_param(pk))
    data = FillSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    leaders, leader_errors = resolve(roster.unit, values["leaders"])
    staff, staff_errors = resolve(roster.unit, values["staff"])
    if leader_errors or staff_errors:
        raise ValidationError({"leaders": leader_errors, "staff": staff_errors})
    count = services.rotation_fill(
        roster=roster, start=values["start"], end=values["end"], leaders=leaders, staff=staff, mode=values["mode"], by=request.user
    )
    return Response({"posts": count})


@extend_schema(responses=PostSerializer(many=True), summary="My duty posts from now on")
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.ON_DUTY)])
def my_posts(request):
    return Response(PostSerializer(selectors.my_posts(request.user)[:50], many=True).data)


@extend_schema(
    request=None,
    responses={200: PostSerializer, 400: OpenApiResponse(description="Not your shift, or not today")},
    summary="Check in on post (one tap)",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.ON_DUTY, write=access.ON_DUTY)])
def check_in(request, pk: int):
    post = get_object_or_404(Post.objects.visible_to(request.user).select_related("shift", "staff"), pk=id_param(pk))
    return Response(PostSerializer(services.check_in(post=post, user=request.user)).data)


@extend_schema(
    request=inline_serializer("DutyHandover", {"note": serializers.CharField(max_length=2000, required=False, allow_blank=True)}),
    responses={200: PostSerializer, 400: OpenApiResponse(description="Refused")},
    summary="Hand over and check out (交接班)",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.ON_DUTY, write=access.ON_DUTY)])
def check_out(request, pk: int):
    post = get_object_or_404(Post.objects.visible_to(request.user).select_related("shift", "staff"), pk=id_param(pk))
    note = str(request.data.get("note", "") or "")
    return Response(PostSerializer(services.check_out(post=post, user=request.user, note=note)).data)


@extend_schema(responses=PingRequestSerializer(many=True), summary="My reachability pings waiting for an answer")
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.ON_DUTY)])
def my_pings(request):
    return Response(PingRequestSerializer(selectors.open_pings(request.user), many=True).data)


@extend_schema(
    request=PingSendSerializer,
    responses={
        201: inline_serializer("DutyPingSent", {"ping": serializers.IntegerField(), "asked": serializers.IntegerField()}),
        400: OpenApiResponse(description="Refused"),
    },
    summary="Send a reachability ping to everyone on duty now (of a unit, or all)",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.WRITERS, write=access.WRITERS)])
def ping_send(request):
    data = PingSendSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    unit = selectors.scoped_unit(request.user, data.validated_data.get("unit"))
    ping = services.ping_send(by=request.user, unit=unit, minutes=data.validated_data["minutes"])
    return Response({"ping": ping.pk, "asked": ping.requests.count()}, status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses={200: PingScheduleSerializer(many=True)}, summary="Random ping schedules in my scope")
@extend_schema(
    methods=["POST"],
    request=PingScheduleSetSerializer,
    responses={200: PingScheduleSerializer, 400: OpenApiResponse(description="Refused")},
    summary="Set, change or stop the random pings (随机抽查) of a unit, or of every unit",
)
@api_view(["GET", "POST"])
@permission_classes([RolePermission.with_roles(read=access.OFFICE_READ, write=access.WRITERS)])
def ping_schedules(request):
    if request.method == "GET":
        return Response(PingScheduleSerializer(selectors.ping_schedules(request.user), many=True).data)
    data = PingScheduleSetSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    settings = dict(data.validated_data)  # the service's own names
    unit = selectors.scoped_unit(request.user, settings.pop("unit", None))
    schedule = services.schedule_save(by=request.user, unit=unit, **settings)
    return Response(PingScheduleSerializer(schedule).data)


@extend_schema(
    request=None, responses={200: PingRequestSerializer, 400: OpenApiResponse(description="Closed, or not yours")}, summary="Answer a ping"
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.ON_DUTY, write=access.ON_DUTY)])
def ping_answer(request, pk: int):
    item = get_object_or_404(PingRequest.objects.visible_to(request.user).select_related("staff"), pk=id_param(pk))
    return Response(PingRequestSerializer(services.ping_answer_own(request=item, user=request.user)).data)


@extend_schema(
    parameters=[OpenApiParameter("day", str, description="YYYY-MM-DD; default today")],
    request=LogEntrySerializer,
    responses={200: LogEntrySerializer(many=True), 201: LogEntrySerializer, 400: OpenApiResponse(description="Refused")},
    summary="The duty log (值班日志): read a day's entries; write one during one's shift",
)
@api_view(["GET", "POST"])
@permission_classes([RolePermission.with_roles(read=access.READERS, write=access.ON_DUTY)])
def duty_log(request):
    from django.core.exceptions import ValidationError

    if request.method == "POST":
        current = selectors.current_post(request.user)
        if current is None:
            raise ValidationError({"post": [gettext("You are not on duty now: the duty log is written during the shift.")]})
        data = LogEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.log_write(
            post=current, user=request.user, kind=data.validated_data.get("kind", LogEntry.Kind.OTHER), text=data.validated_data["text"]
        )
        return Response(LogEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
    day = date_param(request.query_params.get("day"), "day", default=timezone.localdate())
    start, end = selectors.day_window(day, day)
    entries = (
        LogEntry.objects.visible_to(request.user)
        .filter(written_at__gte=start, written_at__lt=end)
        .select_related("post__staff", "post__shift__roster__unit")
        .order_by("-written_at", "-pk")[:500]
    )
    return Response(LogEntrySerializer(entries, many=True).data)


@extend_schema(responses=GapsSerializer, summary="Duty gaps of the next 14 days")
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.OFFICE_READ)])
def gaps(request):
    result = selectors.gaps(request.user)
    return Response(
        {
            "start": result.start,
            "end": result.end,
            "without_roster": [{"unit": u.pk, "name": u.name} for u in result.without_roster],
            "empty": [
                {
                    "roster": e.roster.pk,
                    "unit": e.roster.unit.name,
                    "day": e.day,
                    "slot": e.slot,
                    "missing_leader": e.missing_leader,
                    "staff": e.staff_count,
                }
                for e in result.empty
            ],
            "twice": [{"staff": s.pk, "name": s.name, "first": a.starts_at, "second": b.starts_at} for s, a, b in result.twice],
            "on_leave": [{"post": p.pk, "name": p.staff.name, "day": p.shift.day} for p, _leave in result.on_leave],
        }
    )


@extend_schema(responses=PersonOnDutySerializer(many=True), summary="People on duty now; `checked_in_at` null = not on post")
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.OFFICE_READ)])
def on_post(request):
    posts = selectors.posts_now(request.user)
    return Response(PersonOnDutySerializer(posts, many=True, context={"reveal": _reveal(request.user)}).data)


def _reach(r) -> dict:
    return {"name": r.name, "asked": r.asked, "answered": r.answered, "rate": r.rate, "median_seconds": r.median_seconds}


@extend_schema(
    parameters=[OpenApiParameter("from", str), OpenApiParameter("to", str)],
    responses=inline_serializer(
        "DutyReachability", {"total": ReachSerializer(), "units": ReachSerializer(many=True), "people": ReachSerializer(many=True)}
    ),
    summary="Reachability: rate and median time to answer, per unit and person",
)
@api_view(["GET"])
@permission_classes([RolePermission.with_roles(read=access.OFFICE_READ)])
def reachability(request):
    today = timezone.localdate()
    first = date_param(request.query_params.get("from"), "from", default=today - timedelta(days=29))
    last = date_param(request.query_params.get("to"), "to", default=today)
    total, units, people = selectors.reachability(request.user, min(first, last), max(first, last))
    return Response({"total": _reach(total), "units": [_reach(r) for r in units], "people": [_reach(r) for r in people]})


@extend_schema(
    request=SwapAskSerializer,
    responses={200: SwapSerializer(many=True), 201: SwapSerializer, 400: OpenApiResponse(description="Refused")},
    summary="Swaps (换班): list those in scope; ask a colleague to take one's shift",
)
@api_view(["GET", "POST"])
@permission_classes([RolePermission.with_roles(read=access.READERS, write=access.ON_DUTY | access.WRITERS)])
def swaps(request):
    from django.core.exceptions import ValidationError

    if request.method == "POST":
        data = SwapAskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = get_object_or_404(selectors.my_posts(request.user), pk=data.validated_data["post"])
        people, problems = resolve(post.shift.roster.unit, data.validated_data["colleague"])
        if problems or len(people) != 1:
            raise ValidationError({"colleague": problems or [gettext("Name one person.")]})
        swap = services.swap_ask(post=post, colleague=people[0], user=request.user, reason=data.validated_data["reason"])
        return Response(SwapSerializer(swap).data, status=status.HTTP_201_CREATED)
    return Response(SwapSerializer(Swap.objects.visible_to(request.user).order_by("-created_at", "-pk")[:200], many=True).data)


@extend_schema(
    operation_id="duty_swaps_act",
    request=SwapActionSerializer,
    responses={200: SwapSerializer, 400: OpenApiResponse(description="Refused")},
    summary="Accept, decline, approve, reject or withdraw a swap",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=access.READERS, write=access.ON_DUTY | access.WRITERS)])
def swap_act(request, pk: int):
    swap = get_object_or_404(Swap.objects.visible_to(request.user), pk=id_param(pk))
    data = SwapActionSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    action = data.validated_data["action"]
    if action in ("accept", "decline"):
        swap = services.swap_answer(swap=swap, user=request.user, accept=action == "accept")
    elif action in ("approve", "reject"):
        swap = services.swap_decide(swap=swap, user=request.user, approve=action == "approve")
    else:
        swap = services.swap_withdraw(swap=swap, user=request.user)
    return Response(SwapSerializer(swap).data)


urlpatterns = [
    path("rosters/", rosters, name="duty-api-rosters"),
    path("rosters/<int:pk>/shifts/", roster_shifts, name="duty-api-roster-shifts"),
    path("rosters/<int:pk>/fill/", roster_fill, name="duty-api-roster-fill"),
    path("posts/mine/", my_posts, name="duty-api-my-posts"),
    path("posts/<int:pk>/check-in/", check_in, name="duty-api-check-in"),
    path("posts/<int:pk>/check-out/", check_out, name="duty-api-check-out"),
    path("pings/mine/", my_pings, name="duty-api-my-pings"),
    path("pings/", ping_send, name="duty-api-ping-send"),
    path("ping-schedules/", ping_schedules, name="duty-api-ping-schedules"),
    path("ping-requests/<int:pk>/answer/", ping_answer, name="duty-api-ping-answer"),
    path("log/", duty_log, name="duty-api-log"),
    path("gaps/", gaps, name="duty-api-gaps"),
    path("on-post/", on_post, name="duty-api-on-post"),
    path("reachability/", reachability, name="duty-api-reachability"),
    path("swaps/", swaps, name="duty-api-swaps"),
    path("swaps/<int:pk>/", swap_act, name="duty-api-swap-act"),
]
