"""The counselor's and the college's decisions on stay applications."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.views import error_text
from fangxian.org.access import can_write, has_any, require_write
from fangxian.web.lists import first_n

from .. import selectors, services
from ..access import COLLEGE_APPROVERS, COUNSELOR_APPROVERS, REVIEW_READERS, REVIEWERS
from ..forms import ReviewForm
from ..models import StayApplication


@require_roles(*REVIEW_READERS)
def approvals(request):
    queue = first_n(selectors.approval_queue(request.user), 200)
    return render(request, "ledger/approvals.html", {"queue": queue, "can_write": can_write(request.user, REVIEWERS)})


@require_roles(*REVIEWERS)
@require_POST
def review(request, pk: int):
    """The counselor's decision (待辅导员审核) or the college's (待学院确认)."""
    require_write(request.user, REVIEWERS)
    application = get_object_or_404(selectors.visible_applications(request.user), pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        raise Http404
    approve = request.POST.get("decision") == "approve"
    try:
        if application.stage == StayApplication.Stage.SUBMITTED and has_any(request.user, COUNSELOR_APPROVERS):
            services.application_review(
                application=application,
                approve=approve,
                comment=form.cleaned_data["comment"],
                by=request.user,
                version=form.cleaned_data["version"],
            )
        elif application.stage == StayApplication.Stage.COUNSELOR_APPROVED and has_any(request.user, COLLEGE_APPROVERS):
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
