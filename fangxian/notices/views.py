"""Pages of policy publicity: the publishers' list and editor, a notice with its receipts for
every level of the tree, who has not read (and re-notifying them), the reader's phone page,
and the public page for parents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.params import id_param
from fangxian.core.views import error_text, form_errors
from fangxian.org.models import Place, Unit
from fangxian.org.scope import scope_of
from fangxian.web.lists import first_n

from . import access, selectors, services
from .forms import AUDIENCE_ROWS, AudienceForm, NoticeForm, PublishForm, SearchForm
from .models import Attachment, Notice, Receipt, Status

LIST_LIMIT = 200


def _audience_forms(request, user, notice: Notice | None = None):
    units = scope_of(user).units(Unit.objects.active()).exclude(kind__in=("major",)).order_by("path")
    campuses = Place.objects.filter(kind=Place.Kind.CAMPUS, archived_at__isnull=True).order_by("sort_order", "name")
    initial = []
    if notice is not None and request.method != "POST":
        for rule in notice.audience.all():
            initial.append(
                {
                    "kind": rule.kind,
                    "unit": rule.unit_id,
                    "campus": rule.campus_id,
                    "role": rule.role,
                    "people": rule.people.replace("\n", " "),
                }
            )
    forms = []
    for n in range(max(AUDIENCE_ROWS, len(initial))):
        forms.append(
            AudienceForm(
                request.POST if request.method == "POST" else None,
                prefix=f"aud{n}",
                units=units,
                campuses=campuses,
                initial=initial[n] if n < len(initial) else None,
            )
        )
    return forms


def _files(request) -> list[tuple[str, bytes]]:
    return [(f.name, f.read()) for f in request.FILES.getlist("files")]


def _initial(notice: Notice) -> dict:
    return {
        "kind": notice.kind,
        "title": notice.title,
        "issuer": notice.issuer,
        "number": notice.number,
        "source_level": notice.source_level,
        "tags": notice.tags,
        "body": notice.body,
        "is_public": notice.is_public,
        "requires_ack": notice.requires_ack,
        "expires_at": notice.expires_at,
        "questions": services.questions_as_text(notice),
        "pass_mark": notice.pass_mark,
        "max_attempts": notice.max_attempts,
    }


@require_roles(*access.READERS)
def notice_list(request):
    form = SearchForm(request.GET or None)
    qs = selectors.visible_notices(request.user)
    q = form.data.get("q", "") if form.is_bound else ""
    qs = selectors.search(qs, q)
    status = request.GET.get("status", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    qs = qs.annotate(
        total=Count("receipts", distinct=True), read=Count("receipts", filter=Q(receipts__read_at__isnull=False), distinct=True)
    ).order_by("-published_at", "-created_at", "-pk")
    rows = first_n(qs, LIST_LIMIT)
    return render(
        request,
        "notices/list.html",
        {"rows": rows, "form": form, "q": q, "status": status, "statuses": Status.choices, "can_publish": access.can_publish(request.user)},
    )


@require_roles(*access.PUBLISHER_ROLES)
def notice_new(request):
    if not access.can_publish(request.user):
        raise PermissionDenied
    form = NoticeForm(request.POST or None)
    audience = _audience_forms(request, request.user)
    if request.method == "POST" and form.is_valid() and all(a.is_valid() for a in audience):
        specs = [s for s in (a.spec() for a in audience) if s is not None]
        try:
            notice = services.notice_create(
                by=request.user, draft=form.draft(), audience=specs, questions=form.cleaned_data["questions"], files=_files(request)
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The draft is saved. Check it, then publish it."))
            return redirect("notices:detail", pk=notice.pk)
    return render(request, "notices/form.html", {"form": form, "audience": audience, "notice": None})


@require_roles(*access.PUBLISHER_ROLES)
def notice_edit(request, pk: int):
    if not access.can_publish(request.user):
        raise PermissionDenied
    notice = get_object_or_404(selectors.visible_notices(request.user), pk=pk)
    if notice.status == Status.WITHDRAWN:
        raise Http404
    revising = notice.status == Status.PUBLISHED
    form = NoticeForm(request.POST or None, initial=_initial(notice), revising=revising)
    audience = _audience_forms(request, request.user, notice)
    if request.method == "POST" and form.is_valid() and (revising or all(a.is_valid() for a in audience)):
        specs = None if revising else [s for s in (a.spec() for a in audience) if s is not None]
        try:
            services.notice_update(
                notice=notice,
                by=request.user,
                draft=form.draft(),
                audience=specs,
                questions=form.cleaned_data["questions"],
                files=_files(request),
                note=form.cleaned_data.get("note", ""),
                reread=form.cleaned_data.get("reread", False),
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The notice is saved."))
            return redirect("notices:detail", pk=notice.pk)
    return render(request, "notices/form.html", {"form": form, "audience": audience, "notice": notice, "revising": revising})


@require_roles(*access.READERS)
def notice_detail(request, pk: int):
    notice = get_object_or_404(selectors.visible_notices(request.user).select_related("created_by"), pk=pk)
    tree = selectors.receipt_tree(request.user, notice)
    total = sum(r.total for r in tree if r.depth == 0)
    read = sum(r.read for r in tree if r.depth == 0)
    return render(
        request,
        "notices/detail.html",
        {
            "notice": notice,
            "tree": tree,
            "total": total,
            "read": read,
            "rate": round(100 * read / total) if total else 0,
            "versions": selectors.versions(notice),
            "audience": list(notice.audience.select_related("unit", "campus")),
            "questions": list(notice.questions.all()),
            "attachments": list(notice.attachments.all()),
            "can_publish": access.can_publish(request.user),
            "can_follow_up": access.can_follow_up(request.user) and notice.is_in_force(),
            "publish_form": PublishForm(),
        },
    )


@require_roles(*access.PUBLISHER_ROLES)
@require_POST
def notice_publish(request, pk: int):
    if not access.can_publish(request.user):
        raise PermissionDenied
    notice = get_object_or_404(selectors.visible_notices(request.user), pk=pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("notices:detail", pk=notice.pk)
    try:
        notice = services.publish(notice=notice, by=request.user, at=form.cleaned_data.get("publish_at"))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if notice.status == Status.SCHEDULED:
            messages.success(request, _("The notice will be published at the set time."))
        else:
            messages.success(request, _("Published to %(n)s people.") % {"n": notice.recipients})
    return redirect("notices:detail", pk=notice.pk)


@require_roles(*access.PUBLISHER_ROLES)
@require_POST
def notice_withdraw(request, pk: int):
    if not access.can_publish(request.user):
        raise PermissionDenied
    notice = get_object_or_404(selectors.visible_notices(request.user), pk=pk)
    try:
        services.withdraw(notice=notice, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The notice has been withdrawn."))
    return redirect("notices:detail", pk=notice.pk)


@require_roles(*access.PUBLISHER_ROLES)
@require_POST
def notice_delete(request, pk: int):
    if not access.can_publish(request.user):
        raise PermissionDenied
    notice = get_object_or_404(selectors.visible_notices(request.user), pk=pk)
    try:
        services.notice_delete(notice=notice, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("notices:detail", pk=notice.pk)
    messages.success(request, _("The draft has been deleted."))
    return redirect("notices:list")


@require_roles(*access.READERS)
def notice_diff(request, pk: int):
    notice = get_object_or_404(selectors.visible_notices(request.user), pk=pk)
    versions = selectors.versions(notice)
    numbers = [v["number"] for v in versions]
    new = id_param(request.GET.get("to")) or numbers[-1]
    old = id_param(request.GET.get("from")) or (numbers[-2] if len(numbers) > 1 else numbers[-1])
    if old not in numbers or new not in numbers:
        raise Http404
    by_number = {v["number"]: v for v in versions}
    lines = selectors.diff(by_number[old], by_number[new])
    return render(
        request, "notices/diff.html", {"notice": notice, "versions": versions, "old": by_number[old], "new": by_number[new], "lines": lines}
    )


@require_roles(*access.READERS)
def notice_unread(request, pk: int):
    notice = get_object_or_404(selectors.visible_notices(request.user), pk=pk)
    unit = None
    unit_id = id_param(request.GET.get("unit"))
    if unit_id:
        unit = get_object_or_404(scope_of(request.user).units(Unit.objects.all()), pk=unit_id)
    rows = first_n(selectors.unread(request.user, notice, unit), 500)
    reminded = selectors.reminded_today([r.pk for r in rows])
    for row in rows:
        row.reminded_today = row.pk in reminded
    return render(
        request,
        "notices/unread.html",
        {"notice": notice, "rows": rows, "unit": unit, "can_follow_up": access.can_follow_up(request.user) and notice.is_in_force()},
    )


@require_roles(*access.FOLLOWERS)
@require_POST
def notice_renotify(request, pk: int):
    if not access.can_follow_up(request.user):
        raise PermissionDenied
    notice = get_object_or_404(selectors.visible_notices(request.user), pk=pk)
    unit = None
    unit_id = id_param(request.POST.get("unit"))
    if unit_id:
        unit = get_object_or_404(scope_of(request.user).units(Unit.objects.all()), pk=unit_id)
    try:
        result = services.renotify(notice=notice, by=request.user, unit=unit)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Reminded %(sent)s people; %(skipped)s were already reminded today (at most once a day).")
            % {"sent": result.sent, "skipped": result.skipped},
        )
    url = reverse("notices:unread", args=[notice.pk])
    return redirect(url + (f"?unit={unit.pk}" if unit else ""))


# -- the reader -----------------------------------------------------------------------------


@login_required
def my_notices(request):
    person = selectors.person_of(request.user)
    return render(
        request,
        "notices/mine.html",
        {
            "person": person,
            "to_read": list(selectors.to_read(request.user)[:100]),
            "have_read": list(selectors.have_read(request.user)[:100]),
            "policies": selectors.policies_in_force(request.user),
            "gate_policy": selectors.gate_policy(request.user),
        },
    )


@login_required
def notice_read(request, pk: int):
    """The reader's page: the text, the attachments, the questions and 我已阅读并知晓."""
    if id_param(pk) is None:  # a number too large for the database: no such notice
        raise Http404
    receipt = Receipt.objects.filter(notice_id=pk, user=request.user).select_related("notice").first()
    if receipt is not None:
        notice = receipt.notice
        if not notice.is_in_force() and receipt.read_at is None:
            raise Http404
    else:
        notice = selectors.visible_notices(request.user).filter(pk=pk).first() or selectors.public_notices().filter(pk=pk).first()
        if notice is None:
            raise Http404
    result = None
    # A notice for information only (no confirmation, no questions): opening it is reading it.
    informative = receipt is not None and receipt.read_at is None and not notice.requires_ack and notice.is_in_force()
    if request.method == "GET" and informative and not notice.questions.exists():
        services.acknowledge(receipt=receipt, by=request.user)
        receipt.refresh_from_db()
    if request.method == "POST":
        if receipt is None:
            raise PermissionDenied
        answers = {key[2:]: request.POST.getlist(key) for key in request.POST if key.startswith("q_")}
        try:
            result = services.acknowledge(receipt=receipt, by=request.user, answers=answers)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            if result.read:
                messages.success(request, _("Thank you: your confirmation is recorded."))
                return redirect("notices:read", pk=notice.pk)
            messages.error(
                request,
                (
                    _("Score %(score)s, below the pass mark of %(mark)s. Read the notice again and retry (%(left)s attempts left).")
                    if result.attempts_left is not None
                    else _("Score %(score)s, below the pass mark of %(mark)s. Read the notice again and retry.")
                )
                % {"score": result.score, "mark": notice.pass_mark, "left": result.attempts_left},
            )
            return redirect("notices:read", pk=notice.pk)
        receipt.refresh_from_db()
    return render(
        request,
        "notices/read.html",
        {
            "notice": notice,
            "receipt": receipt,
            "questions": list(notice.questions.all()),
            "attachments": list(notice.attachments.all()),
            "revised": notice.version > 1,
        },
    )


@login_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(Attachment.objects.select_related("notice"), pk=pk)
    notice = attachment.notice
    allowed = (
        selectors.visible_notices(request.user).filter(pk=notice.pk).exists()
        or Receipt.objects.filter(notice=notice, user=request.user).exists()
        or (notice.is_public and notice.is_in_force())
    )
    if not allowed:
        raise Http404
    return _file_response(attachment)


def _file_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404
    content_types = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=content_types.get(attachment.kind, "application/octet-stream")
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# -- public (家校齐心) -------------------------------------------------------------------------


def public_list(request):
    q = (request.GET.get("q") or "")[:100]
    rows = list(selectors.search(selectors.public_notices(), q)[:100])
    return render(request, "notices/public_list.html", {"rows": rows, "q": q})


def public_detail(request, pk: int):
    notice = get_object_or_404(selectors.public_notices(), pk=pk)
    return render(request, "notices/public_detail.html", {"notice": notice, "attachments": list(notice.attachments.all())})


def public_attachment(request, pk: int):
    attachment = get_object_or_404(Attachment.objects.filter(notice__in=selectors.public_notices()), pk=pk)
    return _file_response(attachment)
