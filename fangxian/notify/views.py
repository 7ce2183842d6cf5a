"""The user's own notifications: a list, and marking them read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .selectors import notifications_of, unread_count
from .services import notifications_mark_read


@login_required
def notification_list(request):
    show = request.GET.get("show", "all")
    rows = notifications_of(request.user)
    if show == "unread":
        rows = rows.unread()
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page, "show": show, "unread": unread_count(request.user)})


@login_required
@require_POST
def mark_read(request):
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()] or None
    notifications_mark_read(user=request.user, ids=ids)
    return redirect("notify:list")
