"""Students and staff: lists with filters, detail pages, forms, the audited reveal of
personal numbers, and linking a person to an account."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangxian.accounts.access import require_roles
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.views import error_text, form_errors

from .. import photos, selectors, services
from ..access import (
    ACCOUNT_LINKERS,
    ASSIGNMENT_READERS,
    PEOPLE_READERS,
    PEOPLE_WRITERS,
    REVEALERS,
    STUDENT_DETAIL_READERS,
    assignable_roles,
    can_write,
    has_any,
    require_write,
)
from ..forms import LinkUserForm, OnDateForm, PhotoForm, StaffFilterForm, StaffForm, StudentFilterForm, StudentForm
from ..models import Place, Staff, Student, Unit
from ..reveal import reveal_response

PAGE_SIZE = 50


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# -- students ---------------------------------------------------------------------------


@require_roles(*PEOPLE_READERS)
def student_list(request):
    units = selectors.visible_units(request.user).active()
    places = selectors.visible_places(request.user).active()
    form = StudentFilterForm(
        request.GET or None,
        colleges=units.filter(kind__in=[Unit.Kind.COLLEGE, Unit.Kind.HOSPITAL, Unit.Kind.DEPARTMENT]),
        classes=units.filter(kind=Unit.Kind.CLASS),
        campuses=places.filter(kind=Place.Kind.CAMPUS),
        buildings=places.filter(kind=Place.Kind.BUILDING, use=Place.Use.DORM),
    )
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "q": data["q"].strip(),
            "college": data["college"],
            "klass": data["klass"],
            "campus": data["campus"],
            "building": data["building"],
            "status": data["status"],
        }
    page = Paginator(selectors.student_list(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "org/student_list.html",
        {"form": form, "page": page, "query": _query_without_page(request), "can_edit": can_write(request.user, PEOPLE_WRITERS)},
    )


def _student(request, pk: int) -> Student:
    qs = selectors.visible_students(request.user).select_related("klass", "bed__parent__parent", "user")
    return selectors.get_visible(qs, pk=pk)


def _student_detail(request, student: Student, photo_form: PhotoForm | None = None, status: int = 200):
    date_form = OnDateForm(request.GET or None)
    on = date_form.cleaned_data["on"] if date_form.is_valid() else None
    trail = selectors.node_trails([student.klass]).get(student.klass_id, [])
    can_edit = can_write(request.user, PEOPLE_WRITERS)
    return render(
        request,
        "org/student_detail.html",
        {
            "student": student,
            "trail": trail,
            "can_edit": can_edit,
            "can_reveal": has_any(request.user, REVEALERS),
            "can_link": can_write(request.user, ACCOUNT_LINKERS),
            "can_assign": bool(assignable_roles(request.user)),
            "show_assignments": has_any(request.user, ASSIGNMENT_READERS) or student.user_id == request.user.pk,
            "date_form": date_form,
            "on": on,
            "in_force": selectors.assignments_for(student, on=on or date.today()),
            "history": selectors.assignments_for(student),
            "link_form": LinkUserForm(person=student, initial={"username": student.user.username if student.user else ""}),
            "photo_form": (photo_form or PhotoForm()) if can_edit else None,
        },
        status=status,
    )


@require_roles(*STUDENT_DETAIL_READERS)
def student_detail(request, pk: int):
    student = _student(request, pk)
    record_event(SecurityEvent.Kind.PERSONAL_VIEW, request=request, student=student.pk)
    return _student_detail(request, student)


def _student_form(request, instance: Student | None):
    units = selectors.visible_units(request.user).active()
    return StudentForm(
        request.POST or None,
        instance=instance,
        classes=units.filter(kind=Unit.Kind.CLASS),
        beds=selectors.free_beds(request.user, include=instance.bed if instance and instance.bed_id else None),
    )


def _save_person(request, form, person, kind: str):
    """The create and edit pages of students and staff: save through the service, report a
    refusal on the form, or go to the person's page."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.person_save(person=form.instance)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            if person is None:
                messages.success(request, _("%(name)s has been added.") % {"name": saved.name})
            else:
                messages.success(request, _("The changes have been saved."))
            return redirect(f"org:{kind}_detail", pk=saved.pk)
    return render(request, "org/person_form.html", {"form": form, "person": person, "kind": kind})


@require_roles(*PEOPLE_WRITERS)
def student_create(request):
    require_write(request.user, PEOPLE_WRITERS)
    return _save_person(request, _student_form(request, None), None, "student")


@require_roles(*PEOPLE_WRITERS)
def student_edit(request, pk: int):
    require_write(request.user, PEOPLE_WRITERS)
    student = _student(request, pk)
    return _save_person(request, _student_form(request, student), student, "student")


# -- staff ------------------------------------------------------------------------------


@require_roles(*PEOPLE_READERS)
def staff_list(request):
    form = StaffFilterForm(request.GET or None, units=selectors.visible_units(request.user).active().filter(depth__lte=2))
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"q": data["q"].strip(), "unit": data["college"], "active": data["active"]}
    page = Paginator(selectors.staff_list(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "org/staff_list.html",
        {"form": form, "page": page, "query": _query_without_page(request), "can_edit": can_write(request.user, PEOPLE_WRITERS)},
    )


def _staff(request, pk: int) -> Staff:
    return selectors.get_visible(selectors.visible_staff(request.user).select_related("unit", "user"), pk=pk)


def _staff_detail(request, staff: Staff, photo_form: PhotoForm | None = None, status: int = 200):
    can_edit = can_write(request.user, PEOPLE_WRITERS)
    return render(
        request,
        "org/staff_detail.html",
        {
            "staff": staff,
            "held": selectors.visible_assignments(request.user)
            .filter(staff=staff)
            .select_related("unit", "place", "student")
            .order_by("-start_date", "-id"),
            "can_edit": can_edit,
            "can_reveal": has_any(request.user, REVEALERS),
            "can_link": can_write(request.user, ACCOUNT_LINKERS),
            "link_form": LinkUserForm(person=staff, initial={"username": staff.user.username if staff.user else ""}),
            "photo_form": (photo_form or PhotoForm()) if can_edit else None,
        },
        status=status,
    )


@require_roles(*PEOPLE_READERS)
def staff_detail(request, pk: int):
    staff = _staff(request, pk)
    record_event(SecurityEvent.Kind.PERSONAL_VIEW, request=request, staff=staff.pk)
    return _staff_detail(request, staff)


def _staff_form(request, instance: Staff | None):
    return StaffForm(request.POST or None, instance=instance, units=selectors.visible_units(request.user).active())


@require_roles(*PEOPLE_WRITERS)
def staff_create(request):
    require_write(request.user, PEOPLE_WRITERS)
    return _save_person(request, _staff_form(request, None), None, "staff")


@require_roles(*PEOPLE_WRITERS)
def staff_edit(request, pk: int):
    require_write(request.user, PEOPLE_WRITERS)
    staff = _staff(request, pk)
    return _save_person(request, _staff_form(request, staff), staff, "staff")


# -- photos -------------------------------------------------------------------------------
# Shown to whoever may open the person's page, changed by whoever may edit the person; the
# person is always found through the viewer's scope first (404 outside it).


def _photo_upload(request, person, detail):
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return detail(request, person, photo_form=form, status=400)
    services.person_set_photo(person=person, photo=form.cleaned_data["photo"])
    messages.success(request, _("The photo has been saved."))
    return redirect(f"org:{'student' if isinstance(person, Student) else 'staff'}_detail", pk=person.pk)


def _photo_remove(request, person):
    if person.photo:
        services.person_set_photo(person=person, photo=None)
        messages.success(request, _("The photo has been removed."))
    return redirect(f"org:{'student' if isinstance(person, Student) else 'staff'}_detail", pk=person.pk)


@require_GET
@require_roles(*STUDENT_DETAIL_READERS)
def student_photo(request, pk: int):
    return photos.photo_response(_student(request, pk).photo)


@require_POST
@require_roles(*PEOPLE_WRITERS)
def student_photo_upload(request, pk: int):
    require_write(request.user, PEOPLE_WRITERS)
    return _photo_upload(request, _student(request, pk), _student_detail)


@require_POST
@require_roles(*PEOPLE_WRITERS)
def student_photo_remove(request, pk: int):
    require_write(request.user, PEOPLE_WRITERS)
    return _photo_remove(request, _student(request, pk))


@require_GET
@require_roles(*PEOPLE_READERS)
def staff_photo(request, pk: int):
    return photos.photo_response(_staff(request, pk).photo)


@require_POST
@require_roles(*PEOPLE_WRITERS)
def staff_photo_upload(request, pk: int):
    require_write(request.user, PEOPLE_WRITERS)
    return _photo_upload(request, _staff(request, pk), _staff_detail)


@require_POST
@require_roles(*PEOPLE_WRITERS)
def staff_photo_remove(request, pk: int):
    require_write(request.user, PEOPLE_WRITERS)
    return _photo_remove(request, _staff(request, pk))


# -- reveal and account link --------------------------------------------------------------


def _reveal(request, person, kind: str):
    # The reason is asked and the event recorded by the one reveal mechanism (org.reveal).
    return reveal_response(
        request, obj=person, field=request.POST.get("field", ""), subject_type=kind, subject_id=person.pk, subject=person.name
    )


@require_POST
@require_roles(*REVEALERS)
def student_reveal(request, pk: int):
    return _reveal(request, _student(request, pk), "student")


@require_POST
@require_roles(*REVEALERS)
def staff_reveal(request, pk: int):
    return _reveal(request, _staff(request, pk), "staff")


def _link(request, person, url_name: str):
    require_write(request.user, ACCOUNT_LINKERS)
    form = LinkUserForm(request.POST, person=person)
    if form.is_valid():
        try:
            services.person_link_user(person=person, user=form.cleaned_data["username"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The account link has been saved."))
    else:
        messages.error(request, " ".join(form.errors.get("username", [])))
    return redirect(url_name, pk=person.pk)


@require_POST
@require_roles(*ACCOUNT_LINKERS)
def student_link_user(request, pk: int):
    return _link(request, _student(request, pk), "org:student_detail")


@require_POST
@require_roles(*ACCOUNT_LINKERS)
def staff_link_user(request, pk: int):
    if not can_write(request.user, ACCOUNT_LINKERS):
        raise PermissionDenied
    return _link(request, _staff(request, pk), "org:staff_detail")
