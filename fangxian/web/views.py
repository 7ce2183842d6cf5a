from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role, roles_of
from fangxian.core.health import health

from .forms import SiteConfigForm
from .home import tiles_for
from .models import SiteConfig


@login_required
def home(request):
    """The day's work for this user: the apps' tiles, actions and panels first."""
    roles = roles_of(request.user)
    tiles = tiles_for(request.user)
    return render(
        request,
        "web/home.html",
        {
            "lead": [t for t in tiles if t.leads],
            "figures": [t for t in tiles if not t.leads],
            "tile_scripts": list(dict.fromkeys(path for t in tiles for path in t.scripts)),
            "tile_styles": list(dict.fromkeys(path for t in tiles for path in t.styles)),
            "role_labels": [Role(r).label for r in sorted(roles)],
        },
    )


@never_cache
@require_GET
def healthz(request):
    state = health()
    return JsonResponse(state, status=200 if state["ok"] else 503)


@require_roles(Role.SYSTEM_ADMIN)
def config(request):
    instance = SiteConfig.current()
    form = SiteConfigForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The settings have been saved."))
        return redirect("web:config")
    return render(request, "web/config.html", {"form": form, "health": health()})
