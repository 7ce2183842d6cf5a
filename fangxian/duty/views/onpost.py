"""The person on duty's pages (phone first): my duty, check in, hand over, the duty log; and
the office's "who is not on post now" and the 14-day gaps."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.params import date_param
from fangxian.core.views import error_text, form_errors

from .. import access, selectors, services
from ..forms import HandoverForm, LogForm
from ..models import LogEntry, Post


@require_roles(*access.ON_DUTY)
def mine(request):
    """我的值班: the shift in force or the next one, check in, pings, the log, the handover."""
    now = timezone.now()
    current = selectors.current_post(request.user, now)
    upcoming = list(selectors.my_posts(request.user, since=now)[:6])
    post = current or (upcoming[0] if upcoming else None)
    can_check_in = post is not None and post.checked_in_at is None and post.shift.starts_at - services.onpost.EARLY <= now
    context = {
        "post": post,
        "current": current,
        "upcoming": [p for p in upcoming if p != post],
        "can_check_in": can_check_in,
        "pings": selectors.open_pings(request.user, now),
        "handover": selectors.previous_handover(post) if post else [],
        "log_form": LogForm(),
        "handover_form": HandoverForm(initial={"note": current.handover_note if current else ""}),
        "entries": LogEntry.objects.filter(post=current).order_by("-written_at", "-pk") if current else [],
    }
    return render(request, "duty/mine.html", context)


@require_roles(*access.ON_DUTY)
@require_POST
def check_in(request, pk: int):
    post = get_object_or_404(Post.objects.visible_to(request.user).select_related("shift", "staff"), pk=pk)
    try:
        services.check_in(post=post, user=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Checked in on post at %(time)s.") % {"time": timezone.localtime().strftime("%H:%M")})
    return redirect("duty:mine")


@require_roles(*access.ON_DUTY)
@require_POST
def check_out(request, pk: int):
    post = get_object_or_404(Post.objects.visible_to(request.user).select_related("shift", "staff"), pk=pk)
    form = HandoverForm(request.POST)
    if form.is_valid():
        try:
            services.check_out(post=post, user=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Shift handed over."))
    return redirect("duty:mine")


@require_roles(*access.READERS)
@require_http_methods(["GET", "POST"])
def duty_log(request):
    """值班日志: one's own entries are written here during the shift; the leader on duty sees
    the entries of the shifts they lead, the office and unit admins those of their units."""
    now = timezone.now()
    current = selectors.current_post(request.user, now)
    form = LogForm(request.POST or None) if current else None
    if request.method == "POST":
        if current is None:
            messages.error(request, _("You are not on duty now: the duty log is written during the shift."))
            return redirect("duty:log")
        if form.is_valid():
            try:
                services.log_write(post=current, user=request.user, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"])
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Entry signed and saved."))
                return redirect("duty:log")
    day = date_param(request.GET.get("day"), "day", default=timezone.localdate())
    start, end = selectors.day_window(day, day)
    entries = (
        LogEntry.objects.visible_to(request.user)
        .filter(written_at__gte=start, written_at__lt=end)
        .select_related("post__staff", "post__shift__roster__unit")
        .order_by("-written_at", "-pk")[:500]
    )
    rows = [(e, services.signature_valid(e)) for e in entries]
    return render(request, "duty/log.html", {"form": form, "current": current, "rows": rows, "day": day})


@require_roles(*access.OFFICE_READ)
def on_post(request):
    """Who is on duty now, and who has not checked in although they should have."""
    now = timezone.now()
    posts = list(selectors.posts_now(request.user, now))
    missing = selectors.not_on_post(posts, now)
    return render(
        request, "duty/on_post.html", {"posts": posts, "missing": missing, "now": now, "checked": sum(1 for p in posts if p.checked_in_at)}
    )


@require_roles(*access.OFFICE_READ)
def gaps(request):
    start = date_param(request.GET.get("start"), "start", default=timezone.localdate())
    result = selectors.gaps(request.user, start=start)
    return render(request, "duty/gaps.html", {"gaps": result})
