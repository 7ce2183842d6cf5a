"""Swaps and duty leave."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.views import error_text, form_errors
from fangxian.org.access import can_write
from fangxian.org.models import Staff

from .. import access, selectors, services
from ..forms import LeaveForm, SwapForm
from ..models import Swap, Unavailability
from ..services.people import resolve


@require_roles(*access.READERS)
@require_http_methods(["GET", "POST"])
def swaps(request):
    posts = [p for p in selectors.my_posts(request.user) if p.shift.starts_at > timezone.now() and p.checked_in_at is None]
    form = SwapForm(request.POST or None, posts=posts)
    if request.method == "POST" and form.is_valid():
        post = next(p for p in posts if p.pk == form.cleaned_data["post"])
        people, problems = resolve(post.shift.roster.unit, form.cleaned_data["colleague"])
        if problems or len(people) != 1:
            form.add_error("colleague", problems[0] if problems else _("Name one person."))
        else:
            try:
                services.swap_ask(post=post, colleague=people[0], user=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Swap asked; waiting for the colleague."))
                return redirect("duty:swaps")
    me = Staff.objects.filter(user=request.user).first()
    visible = Swap.objects.visible_to(request.user).select_related("requester", "colleague", "shift__roster__unit")
    to_answer = visible.filter(colleague=me, status=Swap.Status.ASKED) if me else visible.none()
    to_decide = [s for s in visible.filter(status=Swap.Status.ACCEPTED) if can_write(request.user, access.WRITERS, s.shift.roster.unit)]
    return render(
        request,
        "duty/swaps.html",
        {
            "form": form if posts else None,
            "to_answer": to_answer,
            "to_decide": to_decide,
            "history": visible.order_by("-created_at", "-pk")[:100],
            "me": me,
        },
    )


@require_roles(*access.READERS)
@require_POST
def swap_act(request, pk: int):
    swap = get_object_or_404(Swap.objects.visible_to(request.user).select_related("shift__roster__unit"), pk=pk)
    action = request.POST.get("action", "")
    try:
        if action in ("accept", "decline"):
            services.swap_answer(swap=swap, user=request.user, accept=action == "accept")
        elif action in ("approve", "reject"):
            services.swap_decide(swap=swap, user=request.user, approve=action == "approve")
        elif action == "withdraw":
            services.swap_withdraw(swap=swap, user=request.user)
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("duty:swaps")


@require_roles(*access.READERS)
@require_http_methods(["GET", "POST"])
def leave(request):
    me = Staff.objects.filter(user=request.user, is_active=True).first()
    form = LeaveForm(request.POST or None) if me else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.leave_ask(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Duty leave asked; waiting for approval."))
            return redirect("duty:leave")
    visible = Unavailability.objects.visible_to(request.user).select_related("staff__unit")
    to_decide = [
        x
        for x in visible.filter(status=Unavailability.Status.PENDING).order_by("start_date", "pk")
        if can_write(request.user, access.WRITERS, x.staff.unit) and x.staff != me
    ]
    return render(request, "duty/leave.html", {"form": form, "to_decide": to_decide, "rows": visible.order_by("-start_date", "-pk")[:100]})


@require_roles(*access.WRITERS)
@require_POST
def leave_decide(request, pk: int):
    item = get_object_or_404(Unavailability.objects.visible_to(request.user), pk=pk)
    try:
        services.leave_decide(leave=item, user=request.user, approve=request.POST.get("action") == "approve")
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("duty:leave")
