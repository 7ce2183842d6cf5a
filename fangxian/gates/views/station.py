"""The guard station and its JSON endpoints: the offline bundle, a scan, a confirmation of a
typed number, the holder's photo, and the sync of scans queued offline."""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.params import id_param
from fangxian.org.models import Place
from fangxian.org.photos import photo_response

from .. import reasons, selectors, services, signing
from ..access import STATION_USERS
from ..models import CATEGORIES, Category, Direction, PolicyVersion, Scan

STATION_GATE_KEY = "fx_station_gate"  # in the session: the gate the station last ran at
STATION_POLICY_RECENT = timedelta(days=3)  # a policy this new is shown open, marked as changed


def _station_gate(request, gate_id) -> Place:
    return get_object_or_404(selectors.guard_gates(request.user), pk=gate_id)


@require_roles(*STATION_USERS)
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


@require_roles(*STATION_USERS)
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


@require_roles(*STATION_USERS)
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


@require_roles(*STATION_USERS)
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


@require_roles(*STATION_USERS)
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


@require_roles(*STATION_USERS)
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
