"""Revealing one masked value (an ID number, a phone number) with a reason: the one
mechanism behind every "show" button. The field must be registered with a mask in the
personal-information inventory (fangxian.core.personal); the object has already been found
through the user's scope (404 outside it) and the view checked the role. The reveal is a
security event naming who, whose, which field, why, when and from where."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.personal import RevealReason, mask_value, masked_fields, reveal_reason
from fangxian.core.views import error_text


def reveal_response(request, *, obj, field: str, subject_type: str, subject_id: int, subject: str) -> HttpResponse:
    label = f"{obj._meta.app_label}.{obj._meta.model_name}"
    masks = masked_fields(label)
    if field not in masks:
        raise Http404
    value = getattr(obj, field)
    try:
        reason, text = reveal_reason(request.POST.get("reason", ""), request.POST.get("reason_text", ""))
    except ValidationError as exc:
        # Nothing is shown and nothing recorded; the form says what is missing (htmx swaps
        # only a 200, a plain form post gets the 400).
        context = {
            "value_masked": mask_value(value, masks[field]),
            "field": field,
            "reveal_url": request.path,
            "can_reveal": True,
            "reveal_error": error_text(exc),
        }
        return render(request, "org/_masked.html", context, status=200 if request.htmx else 400)
    with transaction.atomic():
        record_event(
            SecurityEvent.Kind.REVEAL,
            request=request,
            subject_type=subject_type,
            subject_id=subject_id,
            subject=subject,
            model=label,
            object_id=obj.pk,
            field=field,
            reason=reason,
            reason_label=str(RevealReason(reason).label),
            reason_text=text,
        )
    return render(request, "org/_revealed.html", {"value": value or "—", "field": field})
