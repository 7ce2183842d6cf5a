"""Correcting or cancelling a registered stay from its ledger page (an imported list's row
that was wrong, a student who changed plans before arriving): the college's admin or the
prevention office, within their scope."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role
from fangxian.core.views import error_text, form_errors
from fangxian.org.models import Place

from .. import corrections, selectors
from ..forms import StayCancelForm, StayCorrectionForm
from .applications import _bed_choices
from .common import _writable

CORRECT_ROLES = (Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN)


def _entry(request, pk: int):
    _writable(request)
    return get_object_or_404(
        selectors.visible_entries(request.user).select_related(
            "student__klass", "student__bed__parent__parent", "application__reason", "period"
        ),
        pk=pk,
    )


def _beds(entry):
    """The bed choices: the stay's own bed, the student's, and free beds near them."""
    return Place.objects.filter(Q(pk=entry.application.bed_id) | Q(pk__in=_bed_choices(entry.student).values("pk"))).select_related(
        "parent__parent"
    )


@require_roles(*CORRECT_ROLES)
def entry_correct(request, pk: int):
    entry = _entry(request, pk)
    app = entry.application
    if not corrections.correctable(entry):
        raise PermissionDenied
    initial = {name: getattr(app, name) for name in corrections.CORRECTABLE_FIELDS} | {"version": app.version}
    form = StayCorrectionForm(request.POST or None, period=entry.period, beds=_beds(entry), initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                changed = corrections.stay_correct(
                    application=app,
                    by=request.user,
                    version=data["version"],
                    **{name: data[name] for name in corrections.CORRECTABLE_FIELDS},
                )
            except ValidationError as exc:
                form_errors(form, exc, non_field=("version",))
            else:
                if changed:
                    messages.success(request, _("The stay of %(student)s has been corrected.") % {"student": entry.student.name})
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("ledger:entry", pk=entry.pk)
        status = 400
    cancel = StayCancelForm(initial={"version": app.version}) if corrections.cancellable(entry) else None
    return render(
        request, "ledger/entry_correct.html", {"entry": entry, "application": app, "form": form, "cancel_form": cancel}, status=status
    )


@require_roles(*CORRECT_ROLES)
@require_POST
def entry_cancel(request, pk: int):
    entry = _entry(request, pk)
    form = StayCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("ledger:entry_correct", pk=entry.pk)
    try:
        corrections.stay_cancel(
            application=entry.application, by=request.user, version=form.cleaned_data["version"], note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("ledger:entry_correct" if corrections.correctable(entry) else "ledger:entry", pk=entry.pk)
    messages.success(request, _("The stay of %(student)s has been cancelled.") % {"student": entry.student.name})
    return redirect("ledger:entry", pk=entry.pk)
