"""Pages of gate control: overview and campus pages (policies, presence, scans, devices),
the guard station and its JSON endpoints, personal passes, leave, visits, vehicles."""

from __future__ import annotations

import json
from datetime import timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangxian.accounts import throttle
from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role
from fangxian.core.params import id_param
from fangxian.org.models import Place, Staff, Student
from fangxian.org.photos import photo_response
from fangxian.org.scope import scope_of
from fangxian.web.lists import first_n

from . import reasons, selectors, services, signing
from .forms import DeviceForm, LeaveForm, PolicyForm, RevokeForm, VehicleForm, VisitForm, VisitRequestForm
from .models import CATEGORIES, Category, Device, Direction, LeaveApplication, PolicyVersion, Revocation, Scan, Visit

OVERSEERS = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.GATE_GUARD)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _visible_campus(user, campus_id: int) -> Place:
    return get_object_or_404(selectors.visible_campuses(user), pk=campus_id)


# ---------------------------------------------------------------------------
# Overview, campus, alerts


@require_roles(*OVERSEERS)
def overview(request):
    campuses = []
    for campus in selectors.visible_campuses(request.user).order_by("sort_order", "name"):
        policy = selectors.policy_in_force(campus.pk)
        presence = selectors.presence(campus)
        campuses.append({"campus": campus, "policy": policy, "inside": len(presence.inside), "out": len(presence.out_expected)})
    alerts = selectors.visible_alerts(request.user)[:10]
    return render(
        request, "gates/overview.html", {"campuses": campuses, "alerts": alerts, "can_manage": selectors.can_manage_policies(request.user)}
    )


@require_roles(*OVERSEERS)
def campus(request, campus_id: int):
    place = _visible_campus(request.user, campus_id)
    policy = selectors.policy_in_force(place.pk)
    versions = list(PolicyVersion.objects.filter(campus=place).prefetch_related("rules").order_by("-number")[:10])
    history = [{"version": v, "changes": selectors.policy_changes(v), "upcoming": v.effective_at > timezone.now()} for v in versions]
    presence = selectors.presence(place)
    scans = first_n(Scan.objects.filter(campus=place).select_related("gate"), 50)
    can_manage = selectors.can_manage_policies(request.user)
    gates = Place.objects.filter(parent=place, kind=Place.Kind.GATE, archived_at__isnull=True)
    devices = Device.objects.filter(gate__in=gates).select_related("gate") if can_manage else []
    return render(
        request,
        "gates/campus.html",
        {
            "campus": place,
            "policy": policy,
            "grid": selectors.policy_grid(policy),
            "directions": Direction.labels,
            "history": history,
            "presence": presence,
            "scans": scans,
            "reasons": reasons.all_messages(),
            "can_manage": can_manage,
            "devices": devices,
            "device_form": DeviceForm(gates=gates) if can_manage else None,
        },
    )


@require_roles(Role.PREVENTION_OFFICE)
def policy_new(request, campus_id: int):
    if not selectors.can_manage_policies(request.user):
        raise Http404
    place = _visible_campus(request.user, campus_id)
    current = selectors.policy_in_force(place.pk)
    form = PolicyForm(
        request.POST or None, initial_rules=current.rules, initial={"effective_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.policy_publish(
                campus=place,
                effective_at=form.cleaned_data["effective_at"],
                rules=form.rules(),
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Version %(n)s saved; it takes effect at %(at)s.")
                % {"n": version.number, "at": f"{timezone.localtime(version.effective_at):%Y-%m-%d %H:%M}"},
            )
            return redirect("gates:campus", campus_id=place.pk)
    return render(request, "gates/policy_form.html", {"campus": place, "form": form})


@require_roles(*OVERSEERS)
def alerts(request):
    return render(
        request, "gates/alerts.html", {"alerts": first_n(selectors.visible_alerts(request.user).select_related("recipient"), 200)}
    )


@require_roles(Role.PREVENTION_OFFICE)
@require_POST
def device_new(request, campus_id: int):
    if not selectors.can_manage_policies(request.user):
        raise Http404
    place = _visible_campus(request.user, campus_id)
    form = DeviceForm(request.POST, gates=Place.objects.filter(parent=place, kind=Place.Kind.GATE))
    if not form.is_valid():
        messages.error(request, _("Choose a gate and give the device a name."))
        return redirect("gates:campus", campus_id=place.pk)
    device, raw = services.device_issue(gate=form.cleaned_data["gate"], name=form.cleaned_data["name"], by=request.user, request=request)
    return render(request, "gates/device_token.html", {"device": device, "token": raw, "campus": place})


@require_roles(Role.PREVENTION_OFFICE)
@require_POST
def device_withdraw(request, device_id: int):
    if not selectors.can_manage_policies(request.user):
        raise Http404
    device = get_object_or_404(Device.objects.select_related("gate"), pk=device_id, withdrawn_at__isnull=True)
    services.device_withdraw(device=device, by=request.user, request=request)
    messages.success(request, _("The token of %(name)s has been withdrawn.") % {"name": device.name})
    return redirect("gates:campus", campus_id=device.gate.parent_id)


@require_roles(Role.PREVENTION_OFFICE, Role.GATE_GUARD)
def revocations(request):
    can_manage = selectors.can_manage_policies(request.user)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and can_manage and form.is_valid():
        number = form.cleaned_data["number"].strip()
        person = Student.objects.filter(student_number=number).first() or Staff.objects.filter(staff_number=number).first()
        if person is None:
            form.add_error("number", _("No student or member of staff has this number."))
        else:
            services.revoke_passes(subject=services.subject_of(person), reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("The passes of %(name)s are revoked.") % {"name": person.name})
            return redirect("gates:revocations")
    rows = first_n(Revocation.objects.filter(lifted_at__isnull=True), 200)
    # The guard needs who and since when; why (often sensitive: health, an investigation)
    # is for the office that manages revocations only.
    holders = services.people_for_subjects({r.subject for r in rows})
    for row in rows:
        row.holder = holders.get(row.subject)
        if not can_manage:
            row.reason = ""
    return render(request, "gates/revocations.html", {"form": form, "rows": rows, "can_manage": can_manage})


@require_roles(Role.PREVENTION_OFFICE)
@require_POST
def revocation_lift(request, pk: int):
    if not selectors.can_manage_policies(request.user):
        raise Http404
    revocation = get_object_or_404(Revocation, pk=pk, lifted_at__isnull=True)
    services.lift_revocation(subject=revocation.subject)
    messages.success(request, _("The revocation has been lifted."))
    return redirect("gates:revocations")


# ---------------------------------------------------------------------------
# Guard station


def _station_gate(request, gate_id) -> Place:
    return get_object_or_404(selectors.guard_gates(request.user), pk=gate_id)


STATION_GATE_KEY = "fx_station_gate"  # in the session: the gate the station last ran at
STATION_POLICY_RECENT = timedelta(days=3)  # a policy this new is shown open, marked as changed


@require_roles(Role.GATE_GUARD, Role.PREVENTION_OFFICE)
def station(request):
    gates = list(selectors.guard_gates(request.user).select_related("parent"))
    if not gates:
        raise Http404
    # The gate chosen here, else the one this session last ran the station at, else the
    # guard's own post: a station that silently came back at another gate would record
    # every scan at the wrong gate (and "two gates within a minute" would fire wrongly).
    by_pk = {str(g.pk): g for g in gates}
    posted = selectors.posted_gate_ids(request.user)
    gate = (
        by_pk.get(request.GET.get("gate", ""))
        or by_pk.get(str(request.session.get(STATION_GATE_KEY, "")))
        or next((g for g in gates if g.pk in posted), gates[0])
    )
    if request.session.get(STATION_GATE_KEY) != gate.pk:
        request.session[STATION_GATE_KEY] = gate.pk
    # The policy in force, what it changed and what comes next, where the guard looks.
    now = timezone.now()
    policy = selectors.policy_in_force(gate.parent_id, now).version
    upcoming = PolicyVersion.objects.filter(campus_id=gate.parent_id, effective_at__gt=now).order_by("effective_at").first()
    return render(
        request,
        "gates/station.html",
        {
            "gates": gates,
            "gate": gate,
            "policy": policy,
            "policy_changes": selectors.policy_changes(policy) if policy and policy.number > 1 else [],
            "policy_recent": bool(policy and policy.effective_at > now - STATION_POLICY_RECENT),
            "upcoming": upcoming,
            "upcoming_changes": selectors.policy_changes(upcoming) if upcoming else [],
            "directions": Direction.choices,
            "station_config": {
                "gate": gate.pk,
                "campus": gate.parent_id,
                "bundle": reverse("gates:station_bundle", args=[gate.pk]),
                "scan": reverse("gates:station_scan"),
                "sync": reverse("gates:station_sync"),
                "confirm": reverse("gates:station_confirm"),
            },
        },
    )


def station_bundle_data(gate: Place) -> dict:
    """What a station needs to judge passes alone: public keys, revoked holders, the
    campus policy versions (in force and upcoming), and the guard's words for each reason."""
    now = timezone.now()
    versions = PolicyVersion.objects.filter(campus_id=gate.parent_id).prefetch_related("rules").order_by("-effective_at")
    in_force = next((v for v in versions if v.effective_at <= now), None)
    wanted = [v for v in versions if v.effective_at > now] + ([in_force] if in_force else [])
    return {
        "gate": gate.pk,
        "campus": gate.parent_id,
        "generated_at": now.isoformat(),
        "keys": signing.public_keys(),
        "revoked": selectors.revoked_subjects(),
        "policies": [
            {
                "number": v.number,
                "effective_at": int(v.effective_at.timestamp()),
                "rules": [
                    {
                        "category": r.category,
                        "direction": r.direction,
                        "decision": r.decision,
                        "start": r.window_start.strftime("%H:%M") if r.window_start else None,
                        "end": r.window_end.strftime("%H:%M") if r.window_end else None,
                    }
                    for r in v.rules.all()
                ],
            }
            for v in wanted
        ],
        "priority": [c.value for c in Category],
        "messages": reasons.all_messages(),
        "categories": dict(Category.choices) | {"": ""},
        "utc_offset_minutes": int(timezone.localtime(now).utcoffset().total_seconds() // 60),
    }


@require_roles(Role.GATE_GUARD, Role.PREVENTION_OFFICE)
@require_GET
def station_bundle(request, gate_id: int):
    gate = _station_gate(request, gate_id)
    data = station_bundle_data(gate)
    data["categories"] = {k: str(v) for k, v in data["categories"].items()}
    return JsonResponse(data)


def _verdict_json(scan: Scan, outcome: services.Outcome, created: bool, *, photo_route: str = "gates:scan_photo") -> dict:
    """The verdict as the station and the device API show it. `photo` is the URL of the
    holder's photo for this scan (fetched separately, see scan_photo) or None."""
    # A scan sent again comes back as stored, without its holder: look the photo up then only.
    has_photo = outcome.photo if created else selectors.holder_photo(scan.subject) is not None
    return {
        "scan_id": str(scan.scan_id),
        "allowed": outcome.allowed,
        "verify": outcome.verify,
        "reason": outcome.reason,
        "message": outcome.message,
        "name": outcome.name,
        "category": str(Category(outcome.category).label) if outcome.category in CATEGORIES else "",
        "detail": outcome.detail,
        "duplicate": not created,
        "photo": reverse(photo_route, args=[scan.scan_id]) if has_photo else None,
    }


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ValidationError(_("The request is not valid JSON.")) from exc
    if not isinstance(body, dict):
        raise ValidationError(_("The request is not valid JSON."))
    return body


@require_roles(Role.GATE_GUARD, Role.PREVENTION_OFFICE)
@require_POST
def station_scan(request):
    try:
        body = _json_body(request)
    except ValidationError as exc:
        return JsonResponse({"error": exc.messages[0]}, status=400)
    gate = _station_gate(request, id_param(body.get("gate")) or 0)
    scan, outcome, created = services.scan(
        text=str(body.get("text", ""))[:2000],
        gate=gate,
        direction=str(body.get("direction", "")),
        scan_id=body.get("scan_id"),
        guard=request.user,
    )
    return JsonResponse(_verdict_json(scan, outcome, created))


@require_roles(Role.GATE_GUARD, Role.PREVENTION_OFFICE)
@require_POST
def station_confirm(request):
    """The guard's answer to a typed number: `{"scan_id": …, "confirmed": true|false}`. Only
    a guard who may run the scan's gate answers it (404 otherwise); it is recorded as a scan
    of its own (method "confirmed"), once."""
    try:
        body = _json_body(request)
    except ValidationError as exc:
        return JsonResponse({"error": exc.messages[0]}, status=400)
    scan_id = services.parse_scan_id(body.get("scan_id"))
    confirmed = body.get("confirmed")
    if scan_id is None or not isinstance(confirmed, bool):
        return JsonResponse({"error": _("Send the scan id and whether the person was confirmed.")}, status=400)
    scan = Scan.objects.filter(scan_id=scan_id).select_related("gate").first()
    if scan is None:
        raise Http404
    _station_gate(request, scan.gate_id)
    try:
        answer, outcome, created = services.confirm_typed(scan=scan, guard=request.user, confirmed=confirmed)
    except ValidationError as exc:
        return JsonResponse({"error": exc.messages[0]}, status=400)
    return JsonResponse(_verdict_json(answer, outcome, created))


@require_roles(Role.GATE_GUARD, Role.PREVENTION_OFFICE)
@require_GET
def scan_photo(request, scan_id):
    """The photo of a recent scan's holder, for a station that may run the scan's gate
    (404 otherwise, and after selectors.PHOTO_WINDOW). The scan itself is the record of
    who was shown the photo, so nothing else is logged."""
    scan = selectors.recent_scan(scan_id)
    if scan is None:
        raise Http404
    _station_gate(request, scan.gate_id)
    return photo_response(selectors.holder_photo(scan.subject))


@require_roles(Role.GATE_GUARD, Role.PREVENTION_OFFICE)
@require_POST
def station_sync(request):
    try:
        body = _json_body(request)
        items = body.get("scans")
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ValidationError(_("Send a list of scans."))
        gates = {g.pk: g for g in selectors.guard_gates(request.user)}
        results = services.sync(items=items, gates=gates, guard=request.user)
    except ValidationError as exc:
        return JsonResponse({"error": exc.messages[0]}, status=400)
    return JsonResponse({"results": results})


# ---------------------------------------------------------------------------
# Personal passes


def _qr_data_uri(token: str) -> str:
    return segno.make(token, error="m").svg_data_uri(scale=4, border=2)


def _pass_json(token: str, payload: dict, revoked: bool) -> dict:
    return {
        "token": token,
        "qr": _qr_data_uri(token),
        "expires": payload["e"],
        "refresh_seconds": signing.REFRESH_SECONDS,
        "revoked": revoked,
        "name": payload["nm"],
    }


def _holder(user):
    return selectors.student_of(user) or selectors.staff_of(user)


@login_required
def my_pass(request):
    holder = _holder(request.user)
    if holder is None:
        raise Http404
    leave = selectors.current_leave(holder) if isinstance(holder, Student) else None
    return render(request, "gates/pass.html", {"holder": holder, "json_url": reverse("gates:my_pass_json"), "leave": leave})


@login_required
@require_GET
def my_pass_json(request):
    holder = _holder(request.user)
    if holder is None:
        raise Http404
    token, payload = services.issue_personal_pass(holder)
    return JsonResponse(_pass_json(token, payload, selectors.active_revocation(payload["s"]) is not None))


def visitor_pass(request, token: str):
    visit = get_object_or_404(Visit.objects.select_related("campus", "host"), token=token)
    return render(request, "gates/visitor_pass.html", {"visit": visit, "json_url": reverse("gates:visitor_pass_json", args=[token])})


@require_GET
def visitor_pass_json(request, token: str):
    visit = get_object_or_404(Visit, token=token, status=Visit.Status.APPROVED, ends_at__gte=timezone.now())
    token_, payload = services.issue_visit_pass(visit)
    return JsonResponse(_pass_json(token_, payload, selectors.active_revocation(visit.subject) is not None))


# ---------------------------------------------------------------------------
# Leave applications


@login_required
def leave_list(request):
    student = selectors.student_of(request.user)
    staff = selectors.staff_of(request.user)
    if student is None and staff is None:
        raise Http404
    form = LeaveForm(request.POST or None) if student else None
    if request.method == "POST" and student and form.is_valid():
        try:
            services.leave_apply(student=student, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your application has been sent to your responsible staff member."))
            return redirect("gates:leave_list")
    mine = first_n(LeaveApplication.objects.filter(student=student), 50) if student else []
    to_decide, others = [], []
    if staff is not None:
        now = timezone.now()
        recent = first_n(selectors.visible_leaves(request.user).filter(ends_at__gte=now - timedelta(days=14)), 200)
        for leave in recent:
            (to_decide if services.may_decide(leave, staff) else others).append(leave)
    else:
        recent = []
    return render(
        request,
        "gates/leave_list.html",
        {"form": form, "mine": mine, "to_decide": to_decide, "others": others, "recent": recent, "now": timezone.now()},
    )


@login_required
@require_POST
def leave_decide(request, pk: int):
    staff = selectors.staff_of(request.user)
    leave = get_object_or_404(selectors.visible_leaves(request.user), pk=pk)
    try:
        services.leave_decide(
            leave=leave, staff=staff, approve=request.POST.get("decision") == "approve", reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("gates:leave_list")


@login_required
@require_POST
def leave_cancel(request, pk: int):
    student = selectors.student_of(request.user)
    if student is None:
        raise Http404
    leave = get_object_or_404(LeaveApplication, pk=pk, student=student)
    try:
        services.leave_cancel(leave=leave, student=student)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("gates:leave_list")


# ---------------------------------------------------------------------------
# Visits and vehicles


@login_required
def visit_list(request):
    staff = selectors.staff_of(request.user)
    if staff is None and not scope_of(request.user).everything:
        raise Http404
    form = VisitForm(
        request.POST or None, campuses=Place.objects.filter(kind=Place.Kind.CAMPUS, institution_id=staff.institution_id) if staff else None
    )
    if request.method == "POST" and staff and form.is_valid():
        try:
            visit = services.visit_create(host=staff, invited=True, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Invitation saved. Send the visitor this link: %(url)s")
                % {"url": request.build_absolute_uri(reverse("gates:visitor_pass", args=[visit.token]))},
            )
            return redirect("gates:visit_list")
    visits = selectors.visible_visits(request.user).select_related("campus", "host").filter(ends_at__gte=timezone.now() - timedelta(days=7))
    visits = first_n(visits, 200)
    return render(request, "gates/visit_list.html", {"form": form if staff else None, "visits": visits, "staff": staff})


@login_required
@require_POST
def visit_decide(request, pk: int):
    staff = selectors.staff_of(request.user)
    visit = get_object_or_404(selectors.visible_visits(request.user), pk=pk)
    try:
        services.visit_decide(visit=visit, host=staff, approve=request.POST.get("decision") == "approve")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("gates:visit_list")


def visit_request(request):
    """A visitor asks to come (no account needed); the host approves."""
    if request.method == "POST":
        throttle.hit_anonymous_form(request, "gates.visit_request")  # 429 past the per-address limit
    form = VisitRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        host = data.pop("host")
        data.pop("host_number")
        data.pop("host_name")
        try:
            visit = services.visit_create(host=host, invited=False, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("gates:visitor_pass", token=visit.token)
    return render(request, "gates/visit_request.html", {"form": form})


@require_roles(Role.PREVENTION_OFFICE, Role.GATE_GUARD)
def vehicles(request):
    campuses = selectors.visible_campuses(request.user)
    writable = not scope_of(request.user).read_only
    form = VehicleForm(request.POST or None, campuses=campuses)
    if request.method == "POST" and writable and form.is_valid():
        try:
            services.vehicle_register(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Vehicle registered."))
            return redirect("gates:vehicles")
    rows = selectors.visible_vehicles(request.user).filter(withdrawn_at__isnull=True, ends_at__gte=timezone.now()).select_related("campus")
    rows = first_n(rows, 300)
    return render(request, "gates/vehicles.html", {"form": form if writable else None, "rows": rows})


@require_roles(Role.PREVENTION_OFFICE, Role.GATE_GUARD)
@require_POST
def vehicle_withdraw(request, pk: int):
    if scope_of(request.user).read_only:
        raise Http404
    vehicle = get_object_or_404(selectors.visible_vehicles(request.user), pk=pk, withdrawn_at__isnull=True)
    services.vehicle_withdraw(vehicle=vehicle)
    messages.success(request, _("Registration withdrawn."))
    return redirect("gates:vehicles")
