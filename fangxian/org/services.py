"""Writes on the organisation. Each function is one transaction; it validates with
full_clean() so that pages, imports and the API refuse the same things."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from . import photos
from .models import Assignment, Place, Staff, Student, TreeNode, Unit


@transaction.atomic
def node_create(*, model: type[TreeNode], **fields) -> TreeNode:
    node = model(**fields)
    node.full_clean(exclude=["path", "depth"])
    node.save()
    return node


@transaction.atomic
def node_rename(*, node: TreeNode, name: str, code: str | None = None) -> TreeNode:
    node.name = name
    if code is not None:
        node.code = code
    node.full_clean(exclude=["path", "depth"])
    node.save(update_fields=["name", "code"])
    return node


@transaction.atomic
def node_update(*, node: TreeNode, **fields) -> TreeNode:
    """Change a node's own fields (name, code, order, campus, use, gender); not its place
    in the tree, which `node_move` changes."""
    allowed = {"name", "code", "sort_order", "campus", "use", "gender"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"node_update cannot change {sorted(unknown)}")
    for name, value in fields.items():
        setattr(node, name, value)
    node.full_clean(exclude=["path", "depth"])
    node.save()
    return node


@transaction.atomic
def node_move(*, node: TreeNode, new_parent: TreeNode | None) -> TreeNode:
    """Move a node and its subtree. Refuses cycles and kinds that do not fit."""
    model = type(node)
    node = model.objects.select_for_update().get(pk=node.pk)
    if new_parent is not None and new_parent.path.startswith(node.path):
        raise ValidationError({"parent": _("A node cannot be moved under itself or its own descendants.")})
    node.parent = new_parent
    node.full_clean(exclude=["path", "depth"])
    old_path, old_depth = node.path, node.depth
    super(TreeNode, node).save(update_fields=["parent"])
    new_path, new_depth = node.compute_path()
    # Rewrite the whole subtree's paths in one statement.
    model.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
        depth=F("depth") + (new_depth - old_depth),
    )
    node.refresh_from_db()
    return node


def node_in_use(node: TreeNode) -> str | None:
    """Why a node cannot be deleted (people or beds in use under it), or None."""
    if isinstance(node, Unit):
        subtree = Unit.objects.subtree(node).values("pk")
        if Student.objects.filter(klass_id__in=subtree).exists():
            return _("Students belong to this unit or to a unit under it.")
        if Staff.objects.filter(unit_id__in=subtree).exists():
            return _("Staff belong to this unit or to a unit under it.")
        if Place.objects.filter(institution=node).exists():
            return _("Campuses belong to this institution.")
    else:
        subtree = Place.objects.subtree(node).values("pk")
        if Student.objects.filter(bed_id__in=subtree).exists():
            return _("Beds in this place are in use.")
    if Assignment.objects.filter(**{f"{'unit' if isinstance(node, Unit) else 'place'}_id__in": subtree}).exists():
        return _("Responsibilities have been assigned for this node or one under it; archive it instead.")
    return None


@transaction.atomic
def node_delete(*, node: TreeNode) -> None:
    reason = node_in_use(node)
    if reason:
        raise ValidationError(reason)
    # Deepest level first: parent is PROTECT, and Django refuses to delete a parent in the
    # same statement as the children that protect it.
    subtree = type(node).objects.subtree(node)
    for depth in sorted(set(subtree.values_list("depth", flat=True)), reverse=True):
        subtree.filter(depth=depth).delete()


@transaction.atomic
def node_archive(*, node: TreeNode) -> int:
    """Archive a node and its subtree (kept for history, hidden from lists)."""
    if isinstance(node, Place) and Student.objects.filter(bed_id__in=Place.objects.subtree(node).values("pk")).exists():
        raise ValidationError(_("Beds in this place are in use; move the students first."))
    if (
        isinstance(node, Unit)
        and Student.objects.filter(klass_id__in=Unit.objects.subtree(node).values("pk"), status=Student.Status.ENROLLED).exists()
    ):
        raise ValidationError(_("Enrolled students belong to this unit; move them first."))
    return type(node).objects.subtree(node).filter(archived_at__isnull=True).update(archived_at=timezone.now())


@transaction.atomic
def node_restore(*, node: TreeNode) -> None:
    if node.parent_id and node.parent.is_archived:
        raise ValidationError(_("Restore the parent first."))
    type(node).objects.filter(pk=node.pk).update(archived_at=None)


@transaction.atomic
def person_save(*, person: Student | Staff) -> Student | Staff:
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_link_user(*, person: Student | Staff, user) -> Student | Staff:
    """Let an account act as this person (None removes the link). An account belongs to
    at most one person, student or staff."""
    if user is not None:
        for model in (Student, Staff):
            holder = model.objects.filter(user=user).exclude(pk=person.pk if isinstance(person, model) else None).first()
            if holder is not None:
                raise ValidationError(_("This account already belongs to %(person)s.") % {"person": holder.name})
    person.user = user
    person.save(update_fields=["user"])
    return person


def person_set_photo(*, person: Student | Staff, photo: bytes | None) -> Student | Staff:
    """Give a person a photo (the cleaned JPEG of photos.prepare), replace it, or remove it
    (None). The change is logged like any other change of the person (auditlog). The old
    file is deleted once the change is committed; the new one if the change fails."""
    storage = person.photo.storage
    old = person.photo.name
    new = storage.save(photos.new_name(), ContentFile(photo)) if photo is not None else ""
    try:
        with transaction.atomic():
            person.photo = new
            person.save(update_fields=["photo"])
    except BaseException:
        if new:
            storage.delete(new)
        person.photo = old
        raise
    if old:
        transaction.on_commit(lambda: storage.delete(old))
    return person


def _overlapping(assignment: Assignment) -> list[Assignment]:
    """The same person's assignments of the same role for the same target whose windows
    overlap this one's: by dates first (indexed), then by the exact moments, so that two
    night shifts 20:00–08:00 on consecutive days do not collide."""
    others = Assignment.objects.filter(
        staff_id=assignment.staff_id,
        role=assignment.role,
        unit_id=assignment.unit_id,
        place_id=assignment.place_id,
        student_id=assignment.student_id,
    ).exclude(pk=assignment.pk)
    if assignment.end_date:
        others = others.filter(start_date__lte=assignment.end_date)
    others = others.exclude(end_date__lt=assignment.start_date)
    start, end = assignment.window()
    found = []
    for other in others:
        other_start, other_end = other.window()
        if (end is None or other_start < end) and (other_end is None or start < other_end):
            found.append(other)
    return found


@transaction.atomic
def assignment_create(*, by=None, **fields) -> Assignment:
    assignment = Assignment(created_by=by, **fields)
    assignment.full_clean()
    if _overlapping(assignment):
        raise ValidationError(_("This person already holds this role for the same target in that period."))
    assignment.save()
    return assignment


@transaction.atomic
def assignment_end(*, assignment: Assignment, on: date) -> Assignment:
    """End an assignment on `on` (the last day it is in force). A time-bound assignment
    whose end time lies after that day then ends with the day."""
    if assignment.ends_at is not None and timezone.localdate(assignment.ends_at) > on:
        assignment.ends_at = None
    assignment.end_date = on
    assignment.full_clean()
    assignment.save(update_fields=["end_date", "ends_at"])
    return assignment


@transaction.atomic
def assignment_handover(*, assignment: Assignment, to_staff: Staff, on: date, by=None, note: str = "") -> Assignment:
    """Hand a responsibility over: the old holder's last day is the day before `on`, the new
    holder starts on `on`. Who was responsible on any past day stays answerable."""
    if to_staff.pk == assignment.staff_id:
        raise ValidationError(_("The responsibility is already held by this person."))
    if on <= assignment.start_date:
        raise ValidationError(_("The handover date must be after the assignment started."))
    if assignment.end_date is not None and assignment.end_date < on - timedelta(days=1):
        raise ValidationError(_("This assignment had already ended before the handover date."))
    new_end, new_ends_at = assignment.end_date, assignment.ends_at
    if new_ends_at is not None:
        new_end = None  # follows from the end time
    assignment_end(assignment=assignment, on=on - timedelta(days=1))
    return assignment_create(
        by=by,
        staff=to_staff,
        role=assignment.role,
        unit=assignment.unit,
        place=assignment.place,
        student=assignment.student,
        start_date=on,
        end_date=new_end,
        ends_at=new_ends_at,
        note=note,
    )


def responsible_on(*, role: str, day: date, unit=None, place=None, student=None):
    """Who held `role` for the target on `day` (history)."""
    return Assignment.objects.active_on(day).filter(role=role, unit=unit, place=place, student=student).select_related("staff")
