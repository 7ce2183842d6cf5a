"""Pages of the stay ledger. Thin: they read through selectors (scoped, 404 outside the
scope) and write through services; read-only roles (school leaders, discipline
inspection) get 403 on every write."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role, roles_of
from fangxian.core.import_views import import_page, xlsx_response
from fangxian.core.params import date_param, id_param
from fangxian.org.models import Place, Staff, Student, Unit
from fangxian.org.scope import scope_of
from fangxian.web.home import Tile
from fangxian.web.lists import first_n

from . import moves, selectors, services
from .forms import ApplicationForm, CategoryForm, MovePlanForm, PeriodForm, RegisterForm, ReviewForm
from .importing import StayImporter
from .models import LIVE_STATUSES, Category, LedgerEntry, MoveItem, StayApplication, StayPeriod, StudentTag
from .models import Status as S

STAFF_ROLES = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR)
WRITE_ROLES = (Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR)
OFFICE_READ = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE)


def _writable(request) -> None:
    if scope_of(request.user).read_only:
        raise PermissionDenied


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def home_tiles(user) -> list[Tile]:
    roles = roles_of(user)
    tiles: list[Tile] = []
    today = timezone.localdate()
    if roles & set(STAFF_ROLES):
        spells = selectors.visible_spells(user).on_campus(today)
        tiles.append(
            Tile(
                _("Staying students on campus today"), spells.count(), reverse("ledger:list") + "?status=" + selectors.ON_CAMPUS, "primary"
            )
        )
        waiting = selectors.approval_queue(user).count()
        if waiting:
            tiles.append(Tile(_("Stay applications waiting for you"), waiting, reverse("ledger:approvals"), "warning"))
    if Role.STUDENT in roles:
        student = Student.objects.filter(user=user).first()
        app = StayApplication.objects.filter(student=student).select_related("period").first() if student else None
        if app is not None:
            tiles.append(Tile(_("My stay application"), app.get_stage_display(), reverse("ledger:apply"), "info", app.period.name))
    return tiles


# -- the student's application (phone) -------------------------------------------------------


@require_roles(Role.STUDENT)
def apply(request):
    student = get_object_or_404(Student.objects.select_related("bed__parent__parent", "klass"), user=request.user)
    today = timezone.localdate()
    periods = StayPeriod.objects.filter(institution_id=student.institution_id, end_date__gte=today).order_by("start_date")
    period = periods.filter(pk=id_param(request.GET.get("period") or request.POST.get("period"))).first() or periods.first()
    application = (
        StayApplication.objects.filter(student=student, period=period).select_related("reason", "bed__parent__parent").first()
        if period
        else None
    )
    editable = (
        period is not None
        and period.is_open
        and (
            application is None
            or application.stage in (StayApplication.Stage.RETURNED, StayApplication.Stage.SUBMITTED, StayApplication.Stage.WITHDRAWN)
        )
    )
    form = None
    if period is not None and editable:
        beds = _bed_choices(student)
        initial = {"start_date": max(period.start_date, today), "end_date": period.end_date, "bed": student.bed_id}
        if application is not None:
            initial.update(
                {
                    f: getattr(application, f)
                    for f in (
                        "start_date",
                        "end_date",
                        "reason_note",
                        "emergency_contact",
                        "emergency_phone",
                        "parent_name",
                        "parent_phone",
                    )
                }
            )
            initial.update(reason=application.reason_id, bed=application.bed_id)
        form = ApplicationForm(request.POST or None, period=period, beds=beds, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.application_submit(student=student, period=period, by=request.user, **_application_fields(data))
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("Your application has been sent to your counselor."))
                return redirect(reverse("ledger:apply") + f"?period={period.pk}")
    return render(
        request, "ledger/apply.html", {"student": student, "periods": periods, "period": period, "application": application, "form": form}
    )


def _application_fields(data: dict) -> dict:
    """The stay application's fields from the cleaned data of ApplicationForm (the student's
    own form) or RegisterForm (a counselor's registration)."""
    return {
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "reason": data["reason"],
        "reason_note": data["reason_note"],
        "bed": data["bed"],
        "emergency_contact": data["emergency_contact"],
        "emergency_phone": data["emergency_phone"].replace(" ", ""),
        "parent_name": data["parent_name"],
        "parent_phone": data["parent_phone"].replace(" ", ""),
        "pledge_agreed": data["pledge"],
    }


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _bed_choices(student: Student):
    """The student's own bed and the free beds of their own building (a phone select must
    stay short); with no bed, free beds of dormitories of their gender."""
    free = Place.objects.filter(kind=Place.Kind.BED, archived_at__isnull=True, occupant__isnull=True).exclude(
        pk__in=LedgerEntry.objects.filter(status__in=LIVE_STATUSES).values("bed_id")
    )
    if student.bed_id:
        building = student.bed.parent.parent
        return Place.objects.filter(
            Q(pk=student.bed_id) | Q(pk__in=free.filter(path__startswith=building.path).values("pk"))
        ).select_related("parent__parent")
    rooms = Place.objects.filter(kind=Place.Kind.ROOM, institution_id=student.institution_id).filter(
        Q(gender=student.gender) | Q(gender="", parent__gender=student.gender)
    )
    return free.filter(parent__in=rooms).select_related("parent__parent")[:300]


@require_roles(*WRITE_ROLES)
def register(request):
    """A counselor (or the college) puts a student of theirs on the ledger: find the
    student by 学号 or name, then fill in the application for them."""
    _writable(request)
    today = timezone.localdate()
    scope = scope_of(request.user)
    query = (request.GET.get("q") or "").strip()[:50]
    student = None
    if id_param(request.GET.get("student") or request.POST.get("student")):
        student = get_object_or_404(
            scope.students(Student.objects.select_related("klass", "bed__parent__parent")),
            pk=id_param(request.GET.get("student") or request.POST.get("student")),
        )
    found = []
    if query and student is None:
        found = list(
            scope.students(Student.objects.filter(Q(student_number=query) | Q(name__contains=query)).select_related("klass")).order_by(
                "student_number"
            )[:20]
        )
    periods = StayPeriod.objects.filter(end_date__gte=today, is_open=True).order_by("start_date")
    period = periods.filter(pk=id_param(request.GET.get("period") or request.POST.get("period"))).first() or periods.first()
    form = None
    if student is not None and period is not None:
        initial = {"start_date": max(period.start_date, today), "end_date": period.end_date, "bed": student.bed_id}
        form = RegisterForm(request.POST or None, period=period, beds=_bed_choices(student), initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.application_register_by_counselor(student=student, period=period, by=request.user, **_application_fields(data))
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("%(student)s is on the ledger; the college confirms the stay.") % {"student": student.name})
                return redirect("ledger:mine")
    return render(
        request,
        "ledger/register.html",
        {"query": query, "found": found, "student": student, "period": period, "periods": periods, "form": form},
    )


@require_roles(Role.STUDENT)
@require_POST
def withdraw(request, pk: int):
    application = get_object_or_404(StayApplication, pk=pk, student__user=request.user)
    try:
        services.application_withdraw(application=application, by=request.user)
        messages.success(request, _("Your application has been withdrawn."))
    except ValidationError as exc:
        messages.error(request, " ".join(_messages_of(exc)))
    return redirect("ledger:apply")


# -- the counselor's phone view ------------------------------------------------------------------


@require_roles(*STAFF_ROLES)
def mine(request):
    """The counselor's students today: search by name or 学号, filter by class and status,
    grouped by class; a long list says how much of it is shown."""
    today = timezone.localdate()
    only_mine = request.GET.get("only") == "mine"
    everyone = selectors.counselor_entries(request.user, today, only_mine=only_mine)
    classes = list(Unit.objects.filter(pk__in=everyone.values("klass_id")).order_by("name").only("pk", "name"))
    status_counts: dict[str, int] = {}
    for status in everyone.values_list("status", flat=True):
        status_counts[status] = status_counts.get(status, 0) + 1
    summary = [(S(s).label, s, status_counts[s]) for s in S.values if s in status_counts]
    query = (request.GET.get("q") or "").strip()[:50]
    klass = id_param(request.GET.get("klass"))
    status = request.GET.get("status") if request.GET.get("status") in S.values else ""
    rows = everyone
    if query:
        rows = rows.filter(Q(student__name__contains=query) | Q(student__student_number__startswith=query))
    if klass:
        rows = rows.filter(klass_id=klass)
    if status:
        rows = rows.filter(status=status)
    total = rows.count()
    entries = list(rows.order_by("student__klass__name", "student__name")[:MINE_LIMIT])
    _attach_leaves(entries)
    return render(
        request,
        "ledger/mine.html",
        {
            "entries": entries,
            "total": total,
            "limit": MINE_LIMIT,
            "today": today,
            "only_mine": only_mine,
            "summary": summary,
            "classes": classes,
            "query": query,
            "klass": klass,
            "status": status,
            "can_write": not scope_of(request.user).read_only,
        },
    )


MINE_LIMIT = 100


def _attach_leaves(entries) -> None:
    """Mark the students out on an approved leave that runs now (gates' 外出申请): the card
    shows them as 外出 with their return time, whatever the ledger status says."""
    from fangxian.gates.selectors import running_leaves

    leaves = running_leaves([e.student_id for e in entries])
    for entry in entries:
        entry.leave = leaves.get(entry.student_id)
        # A high-risk student's 外出 asks for a confirmation and a return date (tags are prefetched).
        entry.high_risk = any(
            t.category.kind == "risk" and t.category.code in services.HIGH_RISK_CODES for t in getattr(entry.student, "tags_on_day", [])
        )


@require_roles(*WRITE_ROLES)
@require_POST
def entry_status(request, pk: int):
    """One tap: change a student's status (htmx: answers with the student's card)."""
    _writable(request)
    entry = get_object_or_404(selectors.visible_entries(request.user), pk=pk)
    error = None
    conflict = False
    try:
        services.entry_change_status(
            entry=entry,
            status=request.POST.get("status", ""),
            version=id_param(request.POST.get("version")) or 0,
            by=request.user,
            note=request.POST.get("note", "").strip()[:200],
            expected_return=date_param(request.POST.get("expected_return"), "expected_return"),
            confirmed=request.POST.get("confirmed") == "1",
        )
    except ValidationError as exc:
        error = " ".join(_messages_of(exc))
        conflict = isinstance(exc, services.EntryConflict)
    if request.htmx:
        today = timezone.localdate()
        fresh = selectors.counselor_entries(request.user, today).get(pk=entry.pk)
        _attach_leaves([fresh])
        return render(
            request,
            "ledger/_student_card.html",
            {"entry": fresh, "error": error, "saved": error is None, "can_write": True},
            status=409 if conflict else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("ledger:mine")
    return redirect(target)


# -- approvals -------------------------------------------------------------------------------


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
        messages.error(request, f"{application.student.name}: " + " ".join(_messages_of(exc)))
    else:
        messages.success(
            request,
            _("%(name)s: approved.") % {"name": application.student.name}
            if approve
            else _("%(name)s: returned.") % {"name": application.student.name},
        )
    return redirect("ledger:approvals")


# -- the office's ledger ----------------------------------------------------------------------


def _filter_from(request) -> selectors.LedgerFilter:
    get = request.GET
    day = date_param(get.get("day"), "day")
    return selectors.LedgerFilter(
        day=day or timezone.localdate(),
        period=id_param(get.get("period")),
        campus=id_param(get.get("campus")),
        building=id_param(get.get("building")),
        college=id_param(get.get("college")),
        klass=id_param(get.get("klass")),
        status=get.get("status", "") if get.get("status", "") in (*S.values, selectors.ON_CAMPUS) else "",
        tag=id_param(get.get("tag")),
        q=get.get("q", "").strip()[:30],
    )


@require_roles(*STAFF_ROLES)
def ledger_list(request):
    f = _filter_from(request)
    spells = selectors.ledger_spells(request.user, f)
    counts = selectors.ledger_counts(spells, f.day)
    page = Paginator(selectors.with_details(spells, f.day).order_by("college_id", "klass_id", "student__student_number"), 50).get_page(
        request.GET.get("page")
    )
    scope = scope_of(request.user)
    period = selectors.current_period(request.user, f.day)
    colleges = (
        scope.units(Unit.objects.filter(kind=Unit.Kind.COLLEGE, archived_at__isnull=True))
        if scope.everything
        else Unit.objects.filter(pk__in=selectors.visible_entries(request.user).values("college_id"))
    )
    context = {
        "f": f,
        "counts": counts,
        "page": page,
        "periods": selectors.periods_for(request.user),
        "period": period,
        "campuses": Place.objects.filter(kind=Place.Kind.CAMPUS, archived_at__isnull=True),
        # Three campuses have buildings of the same names: the option says the campus.
        "buildings": Place.objects.filter(kind=Place.Kind.BUILDING, use=Place.Use.DORM, archived_at__isnull=True)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__name", "sort_order", "name"),
        "colleges": colleges,
        "classes": Unit.objects.filter(pk__in=selectors.visible_entries(request.user).values("klass_id")),
        "statuses": [(selectors.ON_CAMPUS, _("On campus (在校 or 返校)")), *S.choices],
        "categories": selectors.categories_for(period),
        "query": request.GET.urlencode(),
        "query_without_page": "&".join(f"{k}={v}" for k, v in f.as_dict().items()),
        "can_write": not scope.read_only,
        "is_office": Role.PREVENTION_OFFICE in roles_of(request.user),
        "can_import": bool(roles_of(request.user) & {Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN}) and not scope.read_only,
    }
    return render(request, "ledger/list.html", context)


@require_roles(*STAFF_ROLES)
def ledger_export(request):
    from .exports import export_ledger

    f = _filter_from(request)
    content, _rows = export_ledger(user=request.user, spells=selectors.ledger_spells(request.user, f), f=f, request=request)
    return xlsx_response(content, f"留校学生台账-{f.day}.xlsx")


@require_roles(Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN)
def ledger_import(request):
    _writable(request)
    periods = selectors.periods_for(request.user)
    period = periods.filter(pk=id_param(request.GET.get("period"))).first() or selectors.current_period(request.user)
    if period is None:
        raise Http404
    return import_page(
        request,
        StayImporter(user=request.user, period=period),
        template="ledger/import.html",
        context={"period": period, "periods": periods},
    )


@require_roles(*WRITE_ROLES)
@require_POST
def one_to_one_fill(request):
    _writable(request)
    f = _filter_from(request)
    entries = LedgerEntry.objects.filter(pk__in=selectors.ledger_spells(request.user, f).values("entry_id"))
    count = services.one_to_one_fill(entries=entries, by=request.user)
    messages.success(request, _("%(n)s students got their class counselor as one-to-one staff member.") % {"n": count})
    return redirect(reverse("ledger:list") + "?" + request.POST.get("query", ""))


# -- one student's entry ------------------------------------------------------------------------


@require_roles(*STAFF_ROLES)
def entry_detail(request, pk: int):
    entry = get_object_or_404(
        selectors.visible_entries(request.user).select_related(
            "student__klass", "application__reason", "period", "bed__parent__parent", "updated_by"
        ),
        pk=pk,
    )
    today = timezone.localdate()
    tags = StudentTag.objects.filter(student=entry.student).select_related("category", "set_by").order_by("-valid_from")
    spells = entry.spells.select_related("changed_by").order_by("valid_from", "id")
    bed_spells = entry.bed_spells.select_related("bed__parent__parent", "plan").order_by("valid_from", "id")
    current = services.one_to_one_current(entry.student, today)
    staff_choices = scope_of(request.user).staff(Staff.objects.filter(is_active=True, institution_id=entry.student.institution_id))[:200]
    roles = roles_of(request.user)
    context = {
        "entry": entry,
        "application": entry.application,
        "tags": tags,
        "spells": spells,
        "bed_spells": bed_spells,
        "one_to_one": current,
        "suggested": services.suggested_staff(entry.student, today),
        "staff_choices": staff_choices,
        "categories": Category.objects.filter(institution_id=entry.period.institution_id, is_active=True),
        "can_write": not scope_of(request.user).read_only and bool(roles & set(WRITE_ROLES)),
        "show_phone": bool(roles & {Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR}),
    }
    return render(request, "ledger/entry.html", context)


@require_roles(*WRITE_ROLES)
@require_POST
def entry_tag(request, pk: int):
    _writable(request)
    entry = get_object_or_404(selectors.visible_entries(request.user).select_related("student"), pk=pk)
    try:
        if request.POST.get("end"):
            tag = get_object_or_404(StudentTag, pk=id_param(request.POST.get("end")), student=entry.student)
            services.tag_end(tag=tag, by=request.user)
        else:
            category = get_object_or_404(Category, pk=id_param(request.POST.get("category")), institution_id=entry.student.institution_id)
            services.tag_add(student=entry.student, category=category, by=request.user, note=request.POST.get("note", "")[:200])
        messages.success(request, _("Saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(_messages_of(exc)))
    return redirect("ledger:entry", pk=entry.pk)


@require_roles(*WRITE_ROLES)
@require_POST
def entry_one_to_one(request, pk: int):
    _writable(request)
    entry = get_object_or_404(selectors.visible_entries(request.user).select_related("student"), pk=pk)
    staff = get_object_or_404(scope_of(request.user).staff(Staff.objects.filter(is_active=True)), pk=id_param(request.POST.get("staff")))
    try:
        services.one_to_one_set(student=entry.student, staff=staff, by=request.user, note=request.POST.get("note", "")[:200])
        messages.success(request, _("Saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(_messages_of(exc)))
    return redirect("ledger:entry", pk=entry.pk)


# -- periods and categories (the office) ----------------------------------------------------------


@require_roles(*OFFICE_READ)
def periods(request):
    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, parent__isnull=True).order_by("pk").first()
    can_write = Role.PREVENTION_OFFICE in roles_of(request.user) and not scope_of(request.user).read_only
    period_form = PeriodForm(request.POST if request.POST.get("form") == "period" else None)
    category_form = CategoryForm(request.POST if request.POST.get("form") == "category" else None)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        try:
            _periods_post(request, institution, period_form, category_form)
        except ValidationError as exc:
            messages.error(request, " ".join(_messages_of(exc)))
        else:
            if not (period_form.errors or category_form.errors):
                messages.success(request, _("Saved."))
                return redirect("ledger:periods")
    context = {
        "periods": StayPeriod.objects.filter(institution=institution).prefetch_related("reasons"),
        "categories": Category.objects.filter(institution=institution),
        "period_form": period_form,
        "category_form": category_form,
        "can_write": can_write,
    }
    return render(request, "ledger/periods.html", context)


def _periods_post(request, institution, period_form, category_form) -> None:
    what = request.POST.get("form")
    if what == "period" and period_form.is_valid():
        data = period_form.cleaned_data
        services.period_create(
            institution=institution,
            name=data["name"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            reasons=data["reasons"].splitlines(),
            by=request.user,
        )
    elif what == "category" and category_form.is_valid():
        category = category_form.save(commit=False)
        category.institution = institution
        if not category.code:
            taken = set(Category.objects.filter(institution=institution).values_list("code", flat=True))
            category.code = next(f"c{n}" for n in range(1, len(taken) + 2) if f"c{n}" not in taken)
        services.category_save(category=category)
    elif what == "reason":
        period = get_object_or_404(StayPeriod, pk=id_param(request.POST.get("period")), institution=institution)
        services.reason_add(period=period, name=request.POST.get("name", ""))
    elif what == "reason_toggle":
        reason = get_object_or_404(period_reason_qs(institution), pk=id_param(request.POST.get("reason")))
        services.reason_set_active(reason=reason, active=not reason.is_active)
    elif what == "period_toggle":
        period = get_object_or_404(StayPeriod, pk=id_param(request.POST.get("period")), institution=institution)
        services.period_update(
            period=period, name=period.name, start_date=period.start_date, end_date=period.end_date, is_open=not period.is_open
        )
    elif what == "category_toggle":
        category = get_object_or_404(Category, pk=id_param(request.POST.get("category")), institution=institution)
        category.is_active = not category.is_active
        services.category_save(category=category)


def period_reason_qs(institution):
    from .models import StayReason

    return StayReason.objects.filter(period__institution=institution)


# -- dorm moves ---------------------------------------------------------------------------------------


@require_roles(*OFFICE_READ)
def move_plans(request):
    form = MovePlanForm(request.POST or None, initial={"move_date": timezone.localdate()})
    period = selectors.current_period(request.user)
    if request.method == "POST":
        if Role.PREVENTION_OFFICE not in roles_of(request.user):
            raise PermissionDenied
        _writable(request)
        if form.is_valid() and period is not None:
            plan = moves.plan_suggest(
                period=period,
                campus=form.cleaned_data["campus"],
                move_date=form.cleaned_data["move_date"],
                by=request.user,
                name=form.cleaned_data["name"],
            )
            messages.success(
                request, _("A plan with %(n)s moves has been suggested. Review it before executing.") % {"n": plan.items.count()}
            )
            return redirect("ledger:move_plan", pk=plan.pk)
    plans = selectors.visible_plans(request.user).select_related("campus", "period", "created_by")
    return render(
        request,
        "ledger/moves.html",
        {"form": form, "plans": plans, "period": period, "can_write": Role.PREVENTION_OFFICE in roles_of(request.user)},
    )


@require_roles(*OFFICE_READ)
def move_plan(request, pk: int):
    plan = get_object_or_404(selectors.visible_plans(request.user).select_related("campus", "period"), pk=pk)
    can_write = Role.PREVENTION_OFFICE in roles_of(request.user) and not scope_of(request.user).read_only and plan.state == plan.State.DRAFT
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "execute":
                moves.plan_execute(plan=plan, by=request.user)
                messages.success(request, _("The plan has been executed; the beds have been changed."))
            elif action == "delete":
                moves.move_item_delete(item=get_object_or_404(MoveItem, pk=id_param(request.POST.get("item")), plan=plan))
                messages.success(request, _("Saved."))
            elif action == "edit":
                item = get_object_or_404(
                    MoveItem.objects.select_related("entry__student", "plan__campus"), pk=id_param(request.POST.get("item")), plan=plan
                )
                bed = _find_bed(plan.campus, request.POST.get("to_bed", ""))
                if bed is None:
                    raise ValidationError(
                        _("No bed “%(value)s”; write building-room-bed, e.g. 1号公寓-101-1号床.")
                        % {"value": request.POST.get("to_bed", "")}
                    )
                moves.move_item_update(item=item, to_bed=bed, note=request.POST.get("note", "")[:200])
                messages.success(request, _("Saved."))
        except ValidationError as exc:
            messages.error(request, " ".join(_messages_of(exc)))
        return redirect("ledger:move_plan", pk=plan.pk)
    items = plan.items.select_related("entry__student__klass", "from_bed__parent__parent", "to_bed__parent__parent").order_by(
        "to_bed__path"
    )
    return render(request, "ledger/move_plan.html", {"plan": plan, "items": items, "can_write": can_write})


def _find_bed(campus: Place, text: str) -> Place | None:
    from .importing import _BED_SPLIT

    parts = [p for p in _BED_SPLIT.split(text.strip()) if p]
    if len(parts) != 3:
        return None
    building, room, bed = parts
    return (
        Place.objects.filter(
            kind=Place.Kind.BED,
            name__in=[bed, f"{bed}号床"],
            parent__name=room,
            parent__parent__name=building,
            parent__parent__parent=campus,
        )
        .select_related("parent__parent")
        .first()
    )


@require_roles(*OFFICE_READ)
def move_print(request, pk: int):
    plan = get_object_or_404(selectors.visible_plans(request.user).select_related("campus", "period"), pk=pk)
    return render(request, "ledger/move_print.html", {"plan": plan, "sheets": moves.plan_sheets(plan), "today": date.today()})
