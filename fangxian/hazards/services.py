"""Writes of hazard inspections: checklists, campaigns, inspections, findings.

Every function is keyword-only and atomic; bad input raises ValidationError with a Chinese
message naming the item, line or field, and nothing is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role
from fangxian.audit.services import record_event
from fangxian.core.incidents import IncidentRequest, open_incident
from fangxian.deadlines.services import close as close_deadline
from fangxian.deadlines.services import set_deadline
from fangxian.notify.services import notify_users
from fangxian.org.models import Assignment, AssignmentRole, Place, Staff, Unit
from fangxian.org.photos import EVIDENCE_SIDE, new_name, prepare

from . import access
from .defaults import DEFAULTS
from .models import (
    DEADLINE_BY_LEVEL,
    Answer,
    AnswerPhoto,
    Campaign,
    CampaignPlace,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    EventPhoto,
    Finding,
    FindingEvent,
    Inspection,
    Level,
    PlaceCategory,
    Recurrence,
    Result,
)
from .roles import HAZARD_INSPECTOR, LAB_SAFETY

DEADLINE_KIND = "hazards.rectification"
MAX_PHOTOS_PER_ANSWER = 6
MAX_PHOTOS_PER_REPORT = 6
MAX_DEADLINE = timedelta(days=366)


def _staff_of(user) -> Staff | None:
    return Staff.objects.filter(user=user, is_active=True).first() if user is not None and user.is_authenticated else None


# -- checklists ----------------------------------------------------------------------------------


@dataclass
class ItemSpec:
    section: str
    text: str
    reading: bool = False
    reading_unit: str = ""


def parse_items(text: str) -> list[ItemSpec]:
    """Items typed one per line as "分组｜检查内容" or "分组｜检查内容｜读数单位" (a meter
    reading item); "|" works as well. Errors name the line."""
    items: list[ItemSpec] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [part.strip() for part in re.split(r"[|｜]", line)]
        if len(parts) == 1:
            parts = ["", parts[0]]
        if len(parts) > 3:
            errors.append(_("Line %(line)s: at most three parts (section | item | reading unit).") % {"line": number})
            continue
        section, item = parts[0], parts[1]
        unit = parts[2] if len(parts) == 3 else ""
        if not item:
            errors.append(_("Line %(line)s: the item is empty.") % {"line": number})
        elif len(item) > 300 or len(section) > 50 or len(unit) > 20:
            errors.append(_("Line %(line)s: too long (item at most 300, section 50, unit 20 characters).") % {"line": number})
        else:
            items.append(ItemSpec(section, item, reading=len(parts) == 3, reading_unit=unit))
    if errors:
        raise ValidationError({"items": errors})
    if not items:
        raise ValidationError({"items": _("Give at least one item.")})
    return items


def items_as_text(version: ChecklistVersion) -> str:
    lines = []
    for item in version.items.order_by("position"):
        parts = [item.section, item.text] + ([item.reading_unit] if item.reading else [])
        lines.append("｜".join(parts))
    return "\n".join(lines)


def _require_keeper(user) -> None:
    if user is not None and not access.is_keeper(user):
        raise PermissionDenied


@transaction.atomic
def create_checklist(*, user, name: str, code: str, category: str, items: list[ItemSpec], note: str = "") -> Checklist:
    _require_keeper(user)
    checklist = Checklist(name=name.strip(), code=code.strip(), category=category)
    checklist.full_clean()
    checklist.save()
    add_version(user=user, checklist=checklist, items=items, note=note or _("First version"))
    return checklist


@transaction.atomic
def add_version(*, user, checklist: Checklist, items: list[ItemSpec], note: str = "") -> ChecklistVersion:
    """A new version (the earlier ones stay as they were: campaigns keep using them)."""
    _require_keeper(user)
    checklist = Checklist.objects.select_for_update().get(pk=checklist.pk)
    number = (checklist.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ChecklistVersion.objects.create(checklist=checklist, number=number, note=note[:200], created_by=user)
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(version=version, position=i, section=s.section, text=s.text, reading=s.reading, reading_unit=s.reading_unit)
            for i, s in enumerate(items, start=1)
        ]
    )
    return version


@transaction.atomic
def load_default_checklists(*, user=None) -> int:
    """The shipped checklists (defaults.py) that are not there yet; returns how many were added."""
    _require_keeper(user)
    added = 0
    for code, name, category, rows in DEFAULTS:
        if Checklist.objects.filter(code=code).exists() or Checklist.objects.filter(name=name).exists():
            continue
        checklist = Checklist.objects.create(code=code, name=name, category=category)
        version = ChecklistVersion.objects.create(checklist=checklist, number=1, note="系统默认清单", created_by=user)
        ChecklistItem.objects.bulk_create(
            [
                ChecklistItem(version=version, position=i, section=section, text=text, reading=reading, reading_unit=unit)
                for i, (section, text, reading, unit) in enumerate(rows, start=1)
            ]
        )
        added += 1
    return added


# -- campaigns -----------------------------------------------------------------------------------


def category_of(place: Place) -> str | None:
    if place.kind == Place.Kind.ROOM and place.use == Place.Use.LAB:
        return PlaceCategory.LAB
    if place.kind == Place.Kind.BUILDING:
        return PlaceCategory.DORM if place.use == Place.Use.DORM else PlaceCategory.GENERAL
    if place.kind == Place.Kind.CAMPUS:
        return PlaceCategory.PIPE
    return None


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def places_of(campaign: Campaign) -> list[Place]:
    """The places the campaign covers, in tree order: the chosen campuses (their pipe
    network, buildings and labs), the chosen buildings (and their labs), every lab."""
    roots = list(campaign.campuses.all()) + list(campaign.buildings.all())
    wanted: dict[int, Place] = {}
    if roots:
        for place in (
            Place.objects.active()
            .under_any(sorted({p.path for p in roots}))
            .filter(kind__in=(Place.Kind.CAMPUS, Place.Kind.BUILDING, Place.Kind.ROOM))
        ):
            if place.kind == Place.Kind.ROOM and place.use != Place.Use.LAB:
                continue
            wanted[place.pk] = place
    if campaign.all_labs:
        for place in Place.objects.active().filter(kind=Place.Kind.ROOM, use=Place.Use.LAB):
            wanted[place.pk] = place
    return sorted((p for p in wanted.values() if campaign.version_for(category_of(p))), key=lambda p: p.path)


class Resolver:
    """Who inspects and who answers for each place, from the assignments in force (one
    query for all places): the nearest hazard inspector on the place or above it, else the
    lab's safety owner or the building's manager; the person responsible is the lab's
    safety owner (on the lab or its building), the building's manager, or the campus's
    responsible leader."""

    ROLES = (HAZARD_INSPECTOR, LAB_SAFETY, AssignmentRole.BUILDING_MANAGER, AssignmentRole.LEADER)

    def __init__(self, day: date | None = None):
        day = day or timezone.localdate()
        self.by_place: dict[tuple[str, int], list[Staff]] = {}
        rows = (
            Assignment.objects.active_on(day)
            .filter(role__in=self.ROLES, place__isnull=False, staff__is_active=True)
            .select_related("staff", "staff__unit")
            .order_by("start_date", "pk")
        )
        for row in rows:
            self.by_place.setdefault((row.role, row.place_id), []).append(row.staff)
        self.units: dict[int, Unit] = {}

    def nearest(self, role: str, place: Place) -> Staff | None:
        for pk in reversed(_ids(place.path)):
            found = self.by_place.get((role, pk))
            if found:
                return found[0]
        return None

    def inspector(self, place: Place) -> Staff | None:
        found = self.nearest(HAZARD_INSPECTOR, place)
        if found is None and place.kind == Place.Kind.ROOM:
            found = self.nearest(LAB_SAFETY, place)
        if found is None and place.kind in (Place.Kind.BUILDING, Place.Kind.ROOM):
            found = self.nearest(AssignmentRole.BUILDING_MANAGER, place)
        return found

    def owner(self, place: Place) -> Staff | None:
        found = self.nearest(LAB_SAFETY, place) if place.kind == Place.Kind.ROOM else None
        if found is None and place.kind in (Place.Kind.BUILDING, Place.Kind.ROOM):
            found = self.nearest(AssignmentRole.BUILDING_MANAGER, place)
        if found is None:
            found = self.nearest(AssignmentRole.LEADER, place)
        return found

    def unit_of(self, staff: Staff | None) -> int | None:
        """The staff member's college, department or hospital (the unit whose leader hears of overdue findings)."""
        if staff is None:
            return None
        ids = _ids(staff.unit.path)
        return ids[1] if len(ids) > 1 else None


def _campus_id(place: Place) -> int | None:
    ids = _ids(place.path)
    return ids[0] if ids else None


def plan_places(campaign: Campaign, *, resolver: Resolver | None = None) -> int:
    """Create the campaign's places (existing ones are kept with their inspector)."""
    resolver = resolver or Resolver()
    existing = set(campaign.places.values_list("place_id", flat=True))
    rows = []
    for place in places_of(campaign):
        if place.pk in existing:
            continue
        owner = resolver.owner(place)
        rows.append(
            CampaignPlace(
                campaign=campaign,
                place=place,
                version=campaign.version_for(category_of(place)),
                inspector=resolver.inspector(place),
                owner=owner,
                unit_id=resolver.unit_of(owner),
                campus_id=_campus_id(place),
            )
        )
    CampaignPlace.objects.bulk_create(rows, batch_size=500)
    return len(rows)


@transaction.atomic
def create_campaign(
    *,
    user,
    name: str,
    starts_on: date,
    ends_on: date,
    description: str = "",
    recurrence: str = "",
    lab_version: ChecklistVersion | None = None,
    dorm_version: ChecklistVersion | None = None,
    building_version: ChecklistVersion | None = None,
    campus_version: ChecklistVersion | None = None,
    campuses=(),
    buildings=(),
    all_labs: bool = False,
) -> Campaign:
    _require_keeper(user)
    campaign = Campaign(
        name=name.strip(),
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        recurrence=recurrence or "",
        lab_version=lab_version,
        dorm_version=dorm_version,
        building_version=building_version,
        campus_version=campus_version,
        all_labs=all_labs,
        created_by=user,
    )
    campaign.full_clean()
    if not (lab_version or dorm_version or building_version or campus_version):
        raise ValidationError({"lab_version": _("Choose the checklist for at least one kind of place.")})
    if not (campuses or buildings or all_labs):
        raise ValidationError({"campuses": _("Choose the places the campaign covers: whole campuses, some buildings or every lab.")})
    for field, version, categories in (
        ("lab_version", lab_version, {PlaceCategory.LAB}),
        ("dorm_version", dorm_version, {PlaceCategory.DORM}),
        ("building_version", building_version, {PlaceCategory.GENERAL, PlaceCategory.KITCHEN}),
        ("campus_version", campus_version, {PlaceCategory.PIPE}),
    ):
        if version is not None and version.checklist.category not in categories:
            raise ValidationError({field: _("“%(name)s” is not a checklist for this kind of place.") % {"name": version.checklist.name}})
    for field, places, kind in (("campuses", campuses, Place.Kind.CAMPUS), ("buildings", buildings, Place.Kind.BUILDING)):
        if any(place.kind != kind for place in places):
            raise ValidationError({field: _("Choose places of the right kind.")})
    campaign.save()
    campaign.campuses.set(campuses)
    campaign.buildings.set(buildings)
    if plan_places(campaign) == 0:
        raise ValidationError({"campuses": _("The campaign covers no place with a chosen checklist.")})
    return campaign


@transaction.atomic
def repeat_campaign(campaign: Campaign, *, today: date | None = None) -> Campaign | None:
    """The next occurrence of a recurring campaign (once, also when two consumers run)."""
    if not campaign.recurrence:
        return None
    first = campaign.series or campaign
    last = Campaign.objects.filter(pk=first.pk).first()
    latest = Campaign.objects.filter(series=first).order_by("-occurrence").first() or last
    if latest.pk != campaign.pk:
        return None
    length = campaign.ends_on - campaign.starts_on
    if campaign.recurrence == Recurrence.WEEKLY:
        starts = campaign.starts_on + timedelta(days=7)
    else:
        month = campaign.starts_on.month % 12 + 1
        year = campaign.starts_on.year + (1 if month == 1 else 0)
        starts = campaign.starts_on.replace(year=year, month=month, day=min(campaign.starts_on.day, 28))
    nxt = Campaign(
        name=campaign.name,
        description=campaign.description,
        starts_on=starts,
        ends_on=starts + length,
        recurrence=campaign.recurrence,
        series=first,
        occurrence=campaign.occurrence + 1,
        lab_version=campaign.lab_version,
        dorm_version=campaign.dorm_version,
        building_version=campaign.building_version,
        campus_version=campaign.campus_version,
        all_labs=campaign.all_labs,
        created_by=campaign.created_by,
    )
    try:
        with transaction.atomic():
            nxt.save()
    except IntegrityError:
        return None  # another consumer made it
    nxt.campuses.set(campaign.campuses.all())
    nxt.buildings.set(campaign.buildings.all())
    plan_places(nxt)
    # Inspectors named by hand carry over to the next occurrence.
    by_hand = dict(campaign.places.filter(inspector_by_hand=True).values_list("place_id", "inspector_id"))
    for cp in nxt.places.filter(place_id__in=list(by_hand)):
        cp.inspector_id, cp.inspector_by_hand = by_hand[cp.place_id], True
        cp.save(update_fields=["inspector", "inspector_by_hand"])
    return nxt


def repeat_due_campaigns(today: date | None = None) -> int:
    """Start the next occurrence of every recurring campaign whose window has begun to pass
    (the next starts the day after the week or month of the last)."""
    today = today or timezone.localdate()
    made = 0
    latest = Campaign.objects.exclude(recurrence="").filter(closed_at__isnull=True).order_by("pk")
    for campaign in latest:
        if (
            campaign.repeats.exists()
            or Campaign.objects.filter(series=campaign.series_id or -1, occurrence__gt=campaign.occurrence).exists()
        ):
            continue
        if campaign.ends_on < today and repeat_campaign(campaign, today=today) is not None:
            made += 1
    return made


@transaction.atomic
def set_inspector(*, user, campaign_place: CampaignPlace, staff: Staff) -> CampaignPlace:
    _require_keeper(user)
    if not staff.is_active or staff.institution_id != campaign_place.place.institution_id:
        raise ValidationError({"inspector": _("Choose an active member of staff of this institution.")})
    campaign_place.inspector, campaign_place.inspector_by_hand = staff, True
    campaign_place.save(update_fields=["inspector", "inspector_by_hand"])
    return campaign_place


@transaction.atomic
def close_campaign(*, user, campaign: Campaign) -> Campaign:
    _require_keeper(user)
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["closed_at"])
    return campaign


# -- inspections ----------------------------------------------------------------------------------


def _check_can_inspect(user, campaign_place: CampaignPlace) -> None:
    if not CampaignPlace.objects.visible_to(user).filter(pk=campaign_place.pk).exists():
        raise Http404(_("This place is not in your inspection scope."))
    if not access.can_inspect(user, campaign_place):
        raise PermissionDenied(_("This place is not in your inspection scope."))


def _inspection_for(user, campaign_place: CampaignPlace) -> Inspection:
    inspection = Inspection.objects.select_for_update().filter(campaign_place=campaign_place).first()
    if inspection is None:
        staff = _staff_of(user) or campaign_place.inspector
        if staff is None:
            raise ValidationError(_("Your account is not linked to a member of staff; an inspection needs an inspector."))
        try:
            with transaction.atomic():
                inspection = Inspection.objects.create(campaign_place=campaign_place, inspector=staff)
        except IntegrityError:
            inspection = Inspection.objects.select_for_update().get(campaign_place=campaign_place)
    if inspection.status == Inspection.Status.SUBMITTED:
        raise ValidationError(_("This inspection has been submitted and can no longer be changed."))
    return inspection


def _parse_reading(value, item: ChecklistItem, label: str):
    if value in (None, ""):
        return None
    if not item.reading:
        raise ValidationError(_("Item %(item)s takes no meter reading.") % {"item": label})
    try:
        reading = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(_("Item %(item)s: the meter reading “%(value)s” is not a number.") % {"item": label, "value": value})
    if not reading.is_finite() or reading < 0 or reading >= Decimal("1e11"):
        raise ValidationError(_("Item %(item)s: the meter reading must be a number from 0 to 99,999,999,999.") % {"item": label})
    return reading.quantize(Decimal("0.001"))


@transaction.atomic
def save_answers(*, user, campaign_place: CampaignPlace, answers: list[dict], note: str | None = None) -> Inspection:
    """Save (create or update) answers of the draft: each {"item": id, "result": "pass" |
    "fail" | "na" | "", "level", "note", "reading"}. All or nothing; saving the same answers
    twice changes nothing (a phone retrying after a lost reply)."""
    _check_can_inspect(user, campaign_place)
    inspection = _inspection_for(user, campaign_place)
    items = {item.pk: item for item in campaign_place.version.items.all()}
    existing = {answer.item_id: answer for answer in inspection.answers.all()}
    now = timezone.now()
    errors: list[str] = []
    to_save: list[Answer] = []
    for raw in answers:
        try:
            item_id = int(raw.get("item"))
        except (TypeError, ValueError):
            errors.append(_("An answer names no checklist item (“%(value)s”).") % {"value": raw.get("item")})
            continue
        item = items.get(item_id)
        if item is None:
            errors.append(
                _("Item %(item)s is not in the checklist “%(checklist)s”.") % {"item": item_id, "checklist": campaign_place.version}
            )
            continue
        label = f"{item.position}（{item.text[:20]}）"
        result = (raw.get("result") or "").strip()
        level = (raw.get("level") or "").strip()
        if result not in {"", *Result.values}:
            errors.append(_("Item %(item)s: unknown result “%(value)s”.") % {"item": label, "value": result})
            continue
        if level not in {"", *Level.values}:
            errors.append(_("Item %(item)s: unknown level “%(value)s”.") % {"item": label, "value": level})
            continue
        text = (raw.get("note") or "").strip()
        if len(text) > 500:
            errors.append(_("Item %(item)s: the note is longer than 500 characters.") % {"item": label})
            continue
        try:
            reading = _parse_reading(raw.get("reading"), item, label)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        answer = existing.get(item_id) or Answer(inspection=inspection, item=item)
        answer.result, answer.level, answer.note, answer.reading, answer.saved_at = (
            result,
            level if result == Result.FAIL else "",
            text,
            reading,
            now,
        )
        to_save.append(answer)
    if errors:
        raise ValidationError(errors)
    for answer in to_save:
        answer.save()
    if note is not None:
        inspection.note = note[:2000]
    inspection.updated_at = now
    inspection.save(update_fields=["note", "updated_at"])
    return inspection


@transaction.atomic
def add_answer_photo(*, user, campaign_place: CampaignPlace, item_id, data: bytes, token: str) -> AnswerPhoto:
    """A photo for an item's answer (the draft is created if needed). A retried upload with
    the same token is the same photo."""
    _check_can_inspect(user, campaign_place)
    token = (token or "").strip()[:64]
    if not token:
        raise ValidationError(_("The photo has no upload token; reload the page and try again."))
    try:
        item = campaign_place.version.items.get(pk=int(item_id))
    except (TypeError, ValueError, ChecklistItem.DoesNotExist):
        raise ValidationError(
            _("Item %(item)s is not in the checklist “%(checklist)s”.") % {"item": item_id, "checklist": campaign_place.version}
        )
    inspection = _inspection_for(user, campaign_place)
    answer, _created = Answer.objects.get_or_create(inspection=inspection, item=item)
    known = answer.photos.filter(token=token).first()
    if known is not None:
        return known
    if answer.photos.count() >= MAX_PHOTOS_PER_ANSWER:
        raise ValidationError(_("At most %(n)s photos per item.") % {"n": MAX_PHOTOS_PER_ANSWER})
    try:
        clean = prepare(data, max_side=EVIDENCE_SIDE)
    except ValidationError as exc:
        raise ValidationError(_("Photo for item %(item)s: %(problem)s") % {"item": item.position, "problem": " ".join(exc.messages)})
    photo = AnswerPhoto(answer=answer, token=token)
    photo.image.save(new_name("hazards"), ContentFile(clean), save=False)
    photo.save()
    return photo


@transaction.atomic
def delete_answer_photo(*, user, photo: AnswerPhoto) -> None:
    _check_can_inspect(user, photo.answer.inspection.campaign_place)
    if photo.answer.inspection.status == Inspection.Status.SUBMITTED:
        raise ValidationError(_("This inspection has been submitted and can no longer be changed."))
    name, storage = photo.image.name, photo.image.storage
    photo.delete()
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def submit_inspection(*, user, campaign_place: CampaignPlace) -> Inspection:
    """Complete the inspection: every item answered; every failed item becomes a finding."""
    _check_can_inspect(user, campaign_place)
    inspection = _inspection_for(user, campaign_place)
    answers = {a.item_id: a for a in inspection.answers.select_related("item")}
    missing = [item for item in campaign_place.version.items.order_by("position") if not getattr(answers.get(item.pk), "result", "")]
    if missing:
        raise ValidationError(
            _("Items not answered yet: %(items)s. The answers given are kept as a draft.")
            % {"items": "、".join(str(item.position) for item in missing[:20])}
        )
    now = timezone.now()
    inspection.status, inspection.submitted_at, inspection.updated_at = Inspection.Status.SUBMITTED, now, now
    inspection.save(update_fields=["status", "submitted_at", "updated_at"])
    for answer in sorted(answers.values(), key=lambda a: a.item.position):
        if answer.result == Result.FAIL:
            _open_finding(user=user, inspection=inspection, answer=answer, now=now)
    return inspection


def _open_finding(*, user, inspection: Inspection, answer: Answer, now: datetime) -> Finding:
    cp = inspection.campaign_place
    level = answer.level or Level.GENERAL
    finding = Finding.objects.create(
        answer=answer,
        inspection=inspection,
        campaign_id=cp.campaign_id,
        place_id=cp.place_id,
        unit_id=cp.unit_id,
        campus_id=cp.campus_id,
        title=answer.item.text,
        description=answer.note,
        level=level,
        owner_id=cp.owner_id,
        due_at=now + DEADLINE_BY_LEVEL[level],
        created_at=now,
    )
    FindingEvent.objects.create(finding=finding, kind=FindingEvent.Kind.FOUND, note=answer.note, by=user, at=now)
    set_deadline(finding, DEADLINE_KIND, finding.due_at)
    if finding.owner_id and finding.owner.user_id:
        notify_users(
            users=[finding.owner.user],
            kind="hazards.finding",
            title=_("Hazard to rectify: %(place)s · %(title)s") % {"place": cp.place.name, "title": finding.title[:60]},
            body=_("Rectify by %(due)s.") % {"due": timezone.localtime(finding.due_at).strftime("%Y-%m-%d %H:%M")},
            url=reverse("hazards:finding", args=[finding.pk]),
        )
    if level == Level.MAJOR:
        _major(user=user, finding=finding)
    return finding


def incident_kind(finding: Finding) -> str:
    category = category_of(finding.place)
    if category == PlaceCategory.LAB:
        return "lab"
    if category == PlaceCategory.PIPE:
        return "leak"
    if any(word in finding.title for word in ("消防", "灭火", "火")):
        return "fire"
    return "other"


def _major(*, user, finding: Finding) -> None:
    """A 重大 hazard: the office hears at once, and an incident report is asked for."""
    from django.contrib.auth import get_user_model

    url = reverse("hazards:finding", args=[finding.pk])
    office = get_user_model().objects.filter(is_active=True, role_grants__role=Role.PREVENTION_OFFICE).distinct()
    notify_users(
        users=office,
        kind="hazards.major",
        title=_("Major hazard: %(place)s · %(title)s") % {"place": finding.place.name, "title": finding.title[:60]},
        body=finding.description,
        url=url,
    )
    incident = open_incident(
        IncidentRequest(
            kind=incident_kind(finding),
            level="major",
            title=f"重大隐患：{finding.place.name} · {finding.title[:60]}",
            source=f"hazards.finding:{finding.pk}",
            description=finding.description,
            occurred_at=finding.created_at,
            place_id=finding.place_id,
            unit_id=finding.unit_id,
            staff_ids=(finding.owner_id,) if finding.owner_id else (),
            source_url=url,
            reported_by_id=getattr(user, "pk", None),
        )
    )
    if incident:
        Finding.objects.filter(pk=finding.pk).update(incident_url=incident[:300])
        finding.incident_url = incident[:300]


# -- rectification ----------------------------------------------------------------------------------


def _event_photos(event: FindingEvent, photos: list[bytes]) -> None:
    for index, data in enumerate(photos, start=1):
        try:
            clean = prepare(data, max_side=EVIDENCE_SIDE)
        except ValidationError as exc:
            raise ValidationError({"photos": _("Photo %(n)s: %(problem)s") % {"n": index, "problem": " ".join(exc.messages)}})
        photo = EventPhoto(event=event)
        photo.image.save(new_name("hazards"), ContentFile(clean), save=False)
        photo.save()


def _locked(finding: Finding) -> Finding:
    return Finding.objects.select_for_update(of=("self",)).select_related("inspection", "place", "owner").get(pk=finding.pk)


@transaction.atomic
def report_rectification(*, user, finding: Finding, text: str, photos: list[bytes] = (), token: str = "") -> FindingEvent:
    """The owner says what was done (with photos); the finding waits for verification."""
    finding = _locked(finding)
    if not access.can_rectify(user, finding):
        raise PermissionDenied
    token = (token or "")[:64]
    if token:
        known = finding.events.filter(token=token).first()
        if known is not None:
            return known
    if finding.status != Finding.Status.OPEN:
        raise ValidationError(
            _("This hazard is not waiting for a rectification report (status: %(status)s).") % {"status": finding.get_status_display()}
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Say what was done to rectify the hazard.")})
    if len(photos) > MAX_PHOTOS_PER_REPORT:
        raise ValidationError({"photos": _("At most %(n)s photos per report.") % {"n": MAX_PHOTOS_PER_REPORT}})
    event = FindingEvent.objects.create(finding=finding, kind=FindingEvent.Kind.REPORTED, note=text[:4000], by=user, token=token)
    _event_photos(event, list(photos))
    finding.status = Finding.Status.REPORTED
    finding.save(update_fields=["status"])
    inspector = finding.inspection.inspector
    if inspector.user_id:
        notify_users(
            users=[inspector.user],
            kind="hazards.reported",
            title=_("Rectification to verify: %(place)s · %(title)s") % {"place": finding.place.name, "title": finding.title[:60]},
            url=reverse("hazards:finding", args=[finding.pk]),
        )
    return event


@transaction.atomic
def verify(*, user, finding: Finding, close: bool, note: str = "") -> Finding:
    """The inspector closes (销号) a rectified hazard, or returns it for more work."""
    finding = _locked(finding)
    if not access.can_verify(user, finding):
        raise PermissionDenied
    note = (note or "").strip()
    if finding.status == Finding.Status.CLOSED:
        raise ValidationError(_("This hazard is already closed."))
    if finding.status != Finding.Status.REPORTED:
        raise ValidationError(_("There is no rectification report to verify yet: the owner must report what was done first."))
    now = timezone.now()
    if close:
        finding.status, finding.closed_at = Finding.Status.CLOSED, now
        finding.save(update_fields=["status", "closed_at"])
        FindingEvent.objects.create(finding=finding, kind=FindingEvent.Kind.CLOSED, note=note, by=user, at=now)
        close_deadline(finding, DEADLINE_KIND, at=now)
    else:
        if not note:
            raise ValidationError({"note": _("Say why the rectification is returned.")})
        finding.status = Finding.Status.OPEN
        finding.returned_count += 1
        finding.save(update_fields=["status", "returned_count"])
        FindingEvent.objects.create(finding=finding, kind=FindingEvent.Kind.RETURNED, note=note, by=user, at=now)
        if finding.owner_id and finding.owner.user_id:
            notify_users(
                users=[finding.owner.user],
                kind="hazards.returned",
                title=_("Rectification returned: %(place)s · %(title)s") % {"place": finding.place.name, "title": finding.title[:60]},
                body=note,
                url=reverse("hazards:finding", args=[finding.pk]),
            )
    return finding


@transaction.atomic
def change_finding(
    *, user, finding: Finding, owner: Staff | None = None, due_at: datetime | None = None, level: str | None = None, note: str = ""
) -> Finding:
    """Change the person responsible, the deadline or the level (the inspector or a keeper)."""
    finding = _locked(finding)
    if not access.can_manage_finding(user, finding):
        raise PermissionDenied
    if finding.status == Finding.Status.CLOSED:
        raise ValidationError(_("This hazard is already closed."))
    now = timezone.now()
    if owner is not None and owner.pk != finding.owner_id:
        if not owner.is_active or owner.institution_id != finding.place.institution_id:
            raise ValidationError({"owner": _("Choose an active member of staff of this institution.")})
        FindingEvent.objects.create(
            finding=finding, kind=FindingEvent.Kind.OWNER, note=f"{finding.owner or '—'} → {owner}. {note}".strip(), by=user, at=now
        )
        finding.owner = owner
        unit_ids = _ids(owner.unit.path)
        finding.unit_id = unit_ids[1] if len(unit_ids) > 1 else None
    if level is not None and level != finding.level:
        if level not in Level.values:
            raise ValidationError({"level": _("Unknown level.")})
        FindingEvent.objects.create(
            finding=finding,
            kind=FindingEvent.Kind.LEVEL,
            note=f"{finding.get_level_display()} → {Level(level).label}",
            by=user,
            at=now,
        )
        finding.level = level
    if due_at is not None and due_at != finding.due_at:
        if due_at <= finding.created_at:
            raise ValidationError(
                {
                    "due_at": _("The deadline must be after the time the hazard was found (%(found)s).")
                    % {"found": timezone.localtime(finding.created_at).strftime("%Y-%m-%d %H:%M")}
                }
            )
        if due_at > finding.created_at + MAX_DEADLINE:
            raise ValidationError({"due_at": _("The deadline can be at most one year after the hazard was found.")})
        FindingEvent.objects.create(
            finding=finding,
            kind=FindingEvent.Kind.DEADLINE,
            note=f"{timezone.localtime(finding.due_at):%Y-%m-%d %H:%M} → {timezone.localtime(due_at):%Y-%m-%d %H:%M}",
            by=user,
            at=now,
        )
        finding.due_at = due_at
    finding.full_clean(exclude=["answer", "inspection", "campaign", "place", "unit", "campus", "owner"])
    finding.save()
    if finding.status != Finding.Status.CLOSED:
        set_deadline(finding, DEADLINE_KIND, finding.due_at)
    if level == Level.MAJOR and not finding.incident_url:
        _major(user=user, finding=finding)
    return finding


def record_export(request, what: str, count: int, **detail) -> None:
    from fangxian.audit.models import SecurityEvent

    record_event(SecurityEvent.Kind.EXPORT, request=request, what=f"hazards_{what}", rows=count, **detail)
