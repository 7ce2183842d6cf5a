"""The counselor's and the college's decisions on stay applications."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role, roles_of
from fangxian.core.views import error_text
from fangxian.org.scope import scope_of
from fangxian.web.lists import first_n

from .. import selectors, services
from ..forms import ReviewForm
from ..models import StayApplication
from .common import _writable


@require_roles(Role.COUNSELOR, Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE)
def approvals(request):
    queue = first_n(selectors.approval_queue(request.user), 200)
    return render(request, "ledger/approvals.html", {"queue": queue, "can_write": not scope_of(request.user).read_only})


@require_roles(Role.COUNSELOR, Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE)
@require_POST
def review(request, pk: int):
    """The counselor's decision (待辅导员审核) or the college's (待学院确认)."""
    _writable(request)
    application = get_object_or_404(selectors.visible_applications(request.user), pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        raise Http404
    approve = request.POST.get("decision") == "approve"
    roles = roles_of(request.user)
    try:
        if application.stage == StayApplication.Stage.SUBMITTED and roles & {Role.COUNSELOR, Role.PREVENTION_OFFICE}:
            services.application_review(
                application=application,
                approve=approve,
                comment=form.cleaned_data["comment"],
                by=request.user,
                version=form.cleaned_data["version"],
            )
        elif application.stage == StayApplication.Stage.COUNSELOR_APPROVED and roles & {Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE}:
            services.application_confirm(
                application=application,
                approve=approve,
                comment=form.cleaned_data["comment"],
                by=request.user,
                version=form.cleaned_data["version"],
            )
        else:
            raise ValidationError(_("This application is not waiting for you."))
    except ValidationError as exc:
        messages.error(request, f"{application.student.name}: " + error_text(exc))
    else:
        messages.success(
            request,
            _("%(name)s: approved.") % {"name": application.student.name}
            if approve
            else _("%(name)s: returned.") % {"name": application.student.name},
        )
    return redirect("ledger:approvals")
