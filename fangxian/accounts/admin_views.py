"""The security admin's pages: accounts, role grants, disabling, second-factor reset."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.core.views import error_text, form_errors

from . import services
from .access import require_roles
from .forms import InitialPasswordForm, RoleGrantForm, SecurityPolicyForm, UserSearchForm
from .models import AdminApproval, ExportApproval, SecurityPolicy, User
from .roles import ADMIN_ROLES, Role


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
            form_errors(grant_form, exc)
        else:
            messages.success(request, _("The role has been granted."))
            return redirect("accounts:admin_user", pk=user.pk)
    return render(
        request,
        "accounts/admin/user_detail.html",
        {
            "subject": user,
            "grant_form": grant_form,
            "password_form": password_form,
            "grants": user.role_grants.all(),
            "pending": AdminApproval.objects.pending().filter(target=user).select_related("requested_by"),
        },
    )


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def user_revoke(request, pk: int, role: str):
    user = get_object_or_404(User, pk=pk)
    services.role_revoke(user=user, role=role, by=request.user, request=request)
    messages.success(request, _("The role has been revoked."))
    return redirect("accounts:admin_user", pk=user.pk)


def _pending_message(request, approval) -> None:
    messages.info(
        request,
        _("Request submitted: %(action)s for %(user)s takes effect when another administrator approves it.")
        % {"action": approval.get_action_display(), "user": approval.target.username},
    )


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def user_toggle_active(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    try:
        approval = services.admin_set_active(user=user, active=not user.is_active, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if approval is not None:
            _pending_message(request, approval)
        else:
            messages.success(request, _("The account has been enabled.") if user.is_active else _("The account has been disabled."))
    return redirect("accounts:admin_user", pk=user.pk)


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def user_reset_totp(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    try:
        approval = services.admin_reset_totp(user=user, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if approval is not None:
            _pending_message(request, approval)
        else:
            messages.success(request, _("The second factor has been reset; the user will enrol again at the next sign-in."))
    return redirect("accounts:admin_user", pk=user.pk)


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def user_initial_password(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = InitialPasswordForm(request.POST, user=user, prefix="pw")
    if form.is_valid():
        try:
            approval = services.admin_set_initial_password(
                user=user, password=form.cleaned_data["password"], by=request.user, request=request
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("accounts:admin_user", pk=user.pk)
        if approval is not None:
            _pending_message(request, approval)
        else:
            messages.success(request, _("An initial password has been set; the user must change it at the next sign-in."))
        return redirect("accounts:admin_user", pk=user.pk)
    return render(
        request,
        "accounts/admin/user_detail.html",
        {"subject": user, "grant_form": RoleGrantForm(user=user, prefix="grant"), "password_form": form, "grants": user.role_grants.all()},
    )


@require_roles(*ADMIN_ROLES)
def approval_list(request):
    """Requests awaiting a second administrator (待审批), and the recent decisions."""
    pending = AdminApproval.objects.pending().select_related("target", "requested_by")
    decided = (
        AdminApproval.objects.exclude(status=AdminApproval.Status.PENDING)
        .select_related("target", "requested_by", "decided_by")
        .order_by("-decided_at")[:20]
    )
    return render(request, "accounts/admin/approvals.html", {"pending": pending, "decided": decided})


@require_POST
@require_roles(*ADMIN_ROLES)
def approval_decide(request, pk: int):
    approval = get_object_or_404(AdminApproval.objects.select_related("target", "requested_by"), pk=pk)
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        messages.error(request, _("Choose to approve or to reject the request."))
        return redirect("accounts:approvals")
    try:
        services.approval_decide(approval=approval, approve=decision == "approve", by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("The request has been approved and carried out.") if decision == "approve" else _("The request has been rejected.")
        )
    return redirect("accounts:approvals")


@require_roles(Role.SECURITY_ADMIN)
def export_approvals(request):
    """The export size limit, and the larger exports waiting for the security admin."""
    policy = SecurityPolicy.current()
    form = SecurityPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        services.security_policy_save(policy=form.instance, by=request.user, request=request)
        messages.success(request, _("The security policy has been saved."))
        return redirect("accounts:export_approvals")
    pending = ExportApproval.objects.filter(status=ExportApproval.Status.PENDING).select_related("user")
    decided = ExportApproval.objects.exclude(status=ExportApproval.Status.PENDING).select_related("user", "decided_by")[:20]
    return render(request, "accounts/admin/export_approvals.html", {"form": form, "pending": pending, "decided": decided})


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def export_decide(request, pk: int):
    approval = get_object_or_404(ExportApproval, pk=pk, status=ExportApproval.Status.PENDING)
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        messages.error(request, _("Choose to approve or to reject the request."))
        return redirect("accounts:export_approvals")
    try:
        services.export_decide(approval=approval, approve=decision == "approve", by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The export has been approved.") if decision == "approve" else _("The request has been rejected."))
    return redirect("accounts:export_approvals")
