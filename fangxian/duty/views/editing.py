"""Changing a roster: fill from a rotation, put someone on a shift or take them off, import,
and the two downloads (xlsx in the 值班表 shape, docx to post on the wall)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangxian.accounts.access import require_roles
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.docx import docx_response
from fangxian.core.exports import export_mode
from fangxian.core.import_views import import_page, xlsx_response
from fangxian.core.views import form_errors
from fangxian.org.access import require_write
from fangxian.org.scope import scope_of

from .. import access, exports, selectors, services
from ..forms import FillForm, PostForm
from ..importing import RosterImporter
from ..models import Post
from ..services.people import resolve
from .rosters import _month


def _roster_for_write(request, pk: int):
    roster = get_object_or_404(selectors.visible_rosters(request.user), pk=pk)
    require_write(request.user, access.WRITERS, roster.unit)
    return roster


@require_roles(*access.WRITERS)
@require_http_methods(["GET", "POST"])
def roster_fill(request, pk: int):
    roster = _roster_for_write(request, pk)
    form = FillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        leaders, leader_errors = resolve(roster.unit, data["leaders"])
        staff, staff_errors = resolve(roster.unit, data["staff"])
        for message in leader_errors:
            form.add_error("leaders", message)
        for message in staff_errors:
            form.add_error("staff", message)
        if not (leader_errors or staff_errors):
            try:
                count = services.rotation_fill(
                    roster=roster, start=data["start"], end=data["end"], leaders=leaders, staff=staff, mode=data["mode"], by=request.user
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("%(n)s duty posts planned.") % {"n": count})
                return redirect(f"{reverse('duty:roster', args=[roster.pk])}?month={data['start']:%Y-%m-01}")
    return render(request, "duty/roster_fill.html", {"roster": roster, "form": form})


@require_roles(*access.WRITERS)
@require_http_methods(["GET", "POST"])
def post_add(request, pk: int):
    roster = _roster_for_write(request, pk)
    form = PostForm(request.POST or None, roster=roster, initial={"day": request.GET.get("day"), "slot": request.GET.get("slot")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people, problems = resolve(roster.unit, data["person"])
        if problems or len(people) != 1:
            form.add_error("person", problems[0] if problems else _("Name one person."))
        else:
            try:
                services.post_add(
                    roster=roster,
                    day=data["day"],
                    slot=data["slot"],
                    staff=people[0],
                    role=data["role"],
                    phone=data["phone"],
                    by=request.user,
                )
            except ValidationError as exc:
                form_errors(form, exc, non_field=("staff",))
            else:
                messages.success(request, _("Saved."))
                return redirect(f"{reverse('duty:roster', args=[roster.pk])}?month={data['day']:%Y-%m-01}")
    return render(request, "duty/post_form.html", {"roster": roster, "form": form})


@require_roles(*access.WRITERS)
@require_POST
def post_remove(request, pk: int):
    post = get_object_or_404(Post.objects.visible_to(request.user).select_related("shift__roster__unit", "staff"), pk=pk)
    roster = post.shift.roster
    require_write(request.user, access.WRITERS, roster.unit)
    try:
        services.post_remove(post=post, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(who)s is off the shift.") % {"who": post.staff.name})
    return redirect(f"{reverse('duty:roster', args=[roster.pk])}?month={post.shift.day:%Y-%m-01}")


@require_roles(*access.WRITERS)
def roster_import(request, pk: int):
    roster = _roster_for_write(request, pk)
    return import_page(request, RosterImporter(user=request.user, roster=roster), context={"roster": roster})


def _mode(request, key: str, roster, first):
    """Masked phones, unless the request uses an approved unmasked grant for this roster
    and month and the role may reveal phones."""
    mode = export_mode(request, key, params={"month": request.GET["month"]} if request.GET.get("month") else {}, args=(roster.pk,))
    return mode, mode.unmasked and bool(scope_of(request.user).roles & access.PHONE_ROLES)


@require_roles(*access.READERS)
def roster_export(request, pk: int):
    roster = get_object_or_404(selectors.visible_rosters(request.user), pk=pk)
    first, last = selectors.month_bounds(_month(request))
    mode, reveal = _mode(request, exports.EXPORT_XLSX, roster, first)
    data, count = exports.roster_xlsx(roster, first, last, reveal=reveal, watermark=mode.watermark)
    record_event(
        SecurityEvent.Kind.EXPORT,
        request=request,
        export=exports.EXPORT_XLSX,
        roster=roster.pk,
        month=f"{first:%Y-%m}",
        rows=count,
        phones=reveal,
        staff_ids=exports.staff_ids(roster, first, last),
        **mode.detail(),
    )
    return xlsx_response(data, f"值班表-{roster.unit.name}-{first:%Y-%m}.xlsx")


@require_roles(*access.READERS)
def roster_print(request, pk: int):
    roster = get_object_or_404(selectors.visible_rosters(request.user), pk=pk)
    first, last = selectors.month_bounds(_month(request))
    mode, reveal = _mode(request, exports.EXPORT_DOCX, roster, first)
    record_event(
        SecurityEvent.Kind.EXPORT,
        request=request,
        export=exports.EXPORT_DOCX,
        roster=roster.pk,
        month=f"{first:%Y-%m}",
        phones=reveal,
        staff_ids=exports.staff_ids(roster, first, last),
        **mode.detail(),
    )
    data = exports.roster_docx(roster, first, last, reveal=reveal)
    return docx_response(data, f"值班表-{roster.unit.name}-{first:%Y-%m}.docx", watermark=mode.watermark)
