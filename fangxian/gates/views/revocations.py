"""Revoked passes: revoke a holder's passes, lift a revocation."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role
from fangxian.org.models import Staff, Student
from fangxian.web.lists import first_n

from .. import selectors, services
from ..forms import RevokeForm
from ..models import Revocation


@require_roles(Role.PREVENTION_OFFICE, Role.GATE_GUARD)
def revocations(request):
    can_manage = selectors.can_manage_policies(request.user)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and can_manage and form.is_valid():
        number = form.cleaned_data["number"].strip()
        person = Student.objects.filter(student_number=number).first() or Staff.objects.filter(staff_number=number).first()
        if person is None:
            form.add_error("number", _("No student or member of staff has this number."))
        else:
            services.revoke_passes(subject=services.subject_of(person), reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("The passes of %(name)s are revoked.") % {"name": person.name})
            return redirect("gates:revocations")
    rows = first_n(Revocation.objects.filter(lifted_at__isnull=True), 200)
    # The guard needs who and since when; why (often sensitive: health, an investigation)
    # is for the office that manages revocations only.
    holders = services.people_for_subjects({r.subject for r in rows})
    for row in rows:
        row.holder = holders.get(row.subject)
        if not can_manage:
            row.reason = ""
    return render(request, "gates/revocations.html", {"form": form, "rows": rows, "can_manage": can_manage})


@require_roles(Role.PREVENTION_OFFICE)
@require_POST
def revocation_lift(request, pk: int):
    if not selectors.can_manage_policies(request.user):
        raise Http404
    revocation = get_object_or_404(Revocation, pk=pk, lifted_at__isnull=True)
    services.lift_revocation(subject=revocation.subject)
    messages.success(request, _("The revocation has been lifted."))
    return redirect("gates:revocations")
