"""The security admin's pages: accounts, role grants, disabling, second-factor reset."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .access import require_roles
from .forms import InitialPasswordForm, RoleGrantForm, UserSearchForm
from .models import User
from .roles import Role


@require_roles(Role.SECURITY_ADMIN)
def user_list(request):
    form = UserSearchForm(request.GET or None)
    users = User.objects.order_by("username").prefetch_related("role_grants")
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/admin/user_list.html", {"form": form, "page": page})


@require_roles(Role.SECURITY_ADMIN)
def user_detail(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    grant_form = RoleGrantForm(request.POST or None, user=user, prefix="grant")
    password_form = InitialPasswordForm(user=user, prefix="pw")
    if request.method == "POST" and grant_form.is_valid():
        try:
            services.role_grant(user=user, role=grant_form.cleaned_data["role"], by=request.user, request=request)
        except ValidationError as exc:
            grant_form.add_error(None, exc)
        else:
            messages.success(request, _("The role has been granted."))
            return redirect("accounts:admin_user", pk=user.pk)
    return render(
        request,
        "accounts/admin/user_detail.html",
        {"subject": user, "grant_form": grant_form, "password_form": password_form, "grants": user.role_grants.all()},
    )


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def user_revoke(request, pk: int, role: str):
    user = get_object_or_404(User, pk=pk)
    services.role_revoke(user=user, role=role, by=request.user, request=request)
    messages.success(request, _("The role has been revoked."))
    return redirect("accounts:admin_user", pk=user.pk)


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def user_toggle_active(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    if user == request.user:
        messages.error(request, _("You cannot disable your own account."))
        return redirect("accounts:admin_user", pk=user.pk)
    try:
        services.user_set_active(user=user, active=not user.is_active, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The account has been enabled.") if user.is_active else _("The account has been disabled."))
    return redirect("accounts:admin_user", pk=user.pk)


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def user_reset_totp(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    services.totp_reset(user=user, by=request.user, request=request)
    messages.success(request, _("The second factor has been reset; the user will enrol again at the next sign-in."))
    return redirect("accounts:admin_user", pk=user.pk)


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def user_initial_password(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = InitialPasswordForm(request.POST, user=user, prefix="pw")
    if form.is_valid():
        services.user_set_initial_password(user=user, password=form.cleaned_data["password"], by=request.user, request=request)
        messages.success(request, _("An initial password has been set; the user must change it at the next sign-in."))
        return redirect("accounts:admin_user", pk=user.pk)
    return render(
        request,
        "accounts/admin/user_detail.html",
        {"subject": user, "grant_form": RoleGrantForm(user=user, prefix="grant"), "password_form": form, "grants": user.role_grants.all()},
    )
