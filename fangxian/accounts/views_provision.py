"""The security admin's pages for accounts from people: choose, create, hand out the slips;
one account at a time and editing an account's name and e-mail."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event

from .access import require_roles
from .forms_provision import ProvisionForm, SingleAccountForm, UserEditForm
from .models import User
from .provision_models import ProvisionBatch
from .provisioning import ProvisionError, Selection, plan, provision, slips_xlsx
from .roles import Role

SLIPS_PER_PAGE = 200


@require_roles(Role.SECURITY_ADMIN)
def provision_start(request):
    """Choose people; "preview" counts them, "create" makes the accounts."""
    form = ProvisionForm(request.POST or None, request.FILES or None, admin=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        selection: Selection = form.cleaned_data["selection"]
        if "create" in request.POST:
            try:
                batch = provision(admin=request.user, selection=selection, request=request)
            except ProvisionError as exc:
                for error in exc.errors:
                    form.add_error(None, error)
            else:
                messages.success(request, _("%(count)d accounts have been created.") % {"count": batch.created_count})
                return redirect("accounts:provision_batch", pk=batch.pk)
        else:
            preview = plan(request.user, selection)
            for error in preview.errors:
                form.add_error(None, error)
    batches = ProvisionBatch.objects.filter(created_by=request.user)[:10]
    return render(request, "accounts/provision/start.html", {"form": form, "preview": preview, "batches": batches})


def _own_batch(request, pk: int) -> ProvisionBatch:
    # A batch and its slips belong to the admin who made it; to anyone else it does not exist.
    return get_object_or_404(ProvisionBatch, pk=pk, created_by=request.user)


def _login_url(request) -> str:
    return request.build_absolute_uri(reverse("accounts:login"))


@require_roles(Role.SECURITY_ADMIN)
def provision_batch(request, pk: int):
    batch = _own_batch(request, pk)
    return render(request, "accounts/provision/batch.html", {"batch": batch})


@require_roles(Role.SECURITY_ADMIN)
def provision_slips_xlsx(request, pk: int):
    batch = _own_batch(request, pk)
    if not batch.slips_available:
        raise Http404
    data = slips_xlsx(batch, _login_url(request))
    record_event(SecurityEvent.Kind.EXPORT, request=request, what="first-login slips", batch=batch.pk, format="xlsx")
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="first-login-slips-{batch.pk}.xlsx"'
    return response


@require_roles(Role.SECURITY_ADMIN)
def provision_slips_print(request, pk: int):
    batch = _own_batch(request, pk)
    if not batch.slips_available:
        raise Http404
    page = Paginator(batch.read_slips(), SLIPS_PER_PAGE).get_page(request.GET.get("page"))
    login_url = _login_url(request)
    record_event(SecurityEvent.Kind.EXPORT, request=request, what="first-login slips", batch=batch.pk, format="print", page=page.number)
    # One QR for every slip: it leads to the sign-in page of this site, never to a password.
    qr = segno.make(login_url, error="m").svg_data_uri(scale=3, dark="#000")
    return render(
        request,
        "accounts/provision/slips_print.html",
        {"batch": batch, "page": page, "login_url": login_url, "qr_data_uri": qr},
    )


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def provision_slips_wipe(request, pk: int):
    batch = _own_batch(request, pk)
    batch.wipe_slips()
    record_event(SecurityEvent.Kind.EXPORT, request=request, what="first-login slips destroyed", batch=batch.pk)
    messages.success(request, _("The slips have been destroyed; the initial passwords cannot be shown again."))
    return redirect("accounts:provision_batch", pk=batch.pk)


@require_POST
@require_roles(Role.SECURITY_ADMIN)
def user_create(request):
    """One account from the user page: the same rules as a batch of one."""
    form = SingleAccountForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["number"].strip()
        try:
            batch = provision(admin=request.user, selection=Selection(numbers=[(1, number)]), request=request)
        except ProvisionError as exc:
            for error in exc.errors:
                messages.error(request, error.replace(_("Row %(row)d: ") % {"row": 1}, ""))
        else:
            if batch.created_count:
                messages.success(request, _("The account has been created."))
            else:
                messages.info(request, _("%(number)s already has an account or has left.") % {"number": number})
            return redirect("accounts:provision_batch", pk=batch.pk)
    else:
        messages.error(request, _("Give a staff or student number."))
    return redirect("accounts:admin_users")


@require_roles(Role.SECURITY_ADMIN)
def user_edit(request, pk: int):
    subject = get_object_or_404(User, pk=pk)
    form = UserEditForm(request.POST or None, instance=subject)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The account has been saved."))
        return redirect("accounts:admin_user", pk=subject.pk)
    return render(request, "accounts/provision/user_edit.html", {"form": form, "subject": subject})
