"""Writes of the supervision desk. Every function checks the caller (fangxian.supervision.access),
validates, writes in one transaction and records nothing half-done.

- `derive(day)`: the daily job: every registered rule's proposals stored once per (rule, key).
- `case_create`: a 督办 from leads or an on-site finding, to a unit in the sender's scope.
- `answer_submit`: the unit's statement or rectification report, with attachments.
- `answer_decide`: accept (closes the 督办), return, or escalate.
- `accountability_create`: a 问责 record (discipline inspection only).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangxian.core.supervision import Proposal, supervision_rules
from fangxian.deadlines.services import close as close_deadline
from fangxian.deadlines.services import set_deadline
from fangxian.org.access import in_scope
from fangxian.org.chain import holders_on
from fangxian.org.models import Staff, Unit

from . import access
from .deadlines import KIND as DEADLINE_KIND
from .models import ONSITE_RULE, Accountability, Answer, AnswerAttachment, Case, CaseCounter, Finding

log = logging.getLogger(__name__)

# The unit's people a 督办 names (nearest to the unit's leadership first).
RESPONSIBLE_ROLES = ("leader", "college_secretary", "college_dean", "college_admin")
ATTACHMENT_KINDS = ("pdf", "docx", "xlsx", "image")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5


# -- the daily derivation ---------------------------------------------------------------------


@dataclass
class DeriveResult:
    proposed: int = 0  # rows new this run
    seen: int = 0  # proposals the rules made (new or already known)
    failed: tuple[str, ...] = ()  # rules that raised (logged; the others still ran)


def derive(day: date | None = None) -> DeriveResult:
    """Ask every registered rule for its proposals on `day` and store the new ones. Idempotent:
    a proposal already stored (same rule and key) only has its last-seen day and count moved;
    two consumers inserting the same one at once meet the unique constraint, and one wins."""
    day = day or timezone.localdate()
    result = DeriveResult()
    failed: list[str] = []
    # Titles and evidence are stored: in the institution's language, whoever runs the job.
    with translation.override(settings.LANGUAGE_CODE):
        _derive_all(day, result, failed)
    result.failed = tuple(failed)
    return result


def _derive_all(day: date, result: DeriveResult, failed: list[str]) -> None:
    for rule in supervision_rules():
        try:
            proposals = list(rule.derive(day))
        except Exception:  # a broken rule must not stop the others
            log.exception("supervision rule %s failed", rule.key)
            failed.append(rule.key)
            continue
        result.seen += len(proposals)
        result.proposed += _store(rule.key, proposals, day)


def _store(rule_key: str, proposals: Sequence[Proposal], day: date) -> int:
    if not proposals:
        return 0
    by_key = {p.key: p for p in proposals if p.rule == rule_key or not p.rule}
    known = dict(Finding.objects.filter(rule=rule_key, key__in=list(by_key)).values_list("key", "pk"))
    unknown = [p for key, p in by_key.items() if key not in known]
    valid_units = set(Unit.objects.filter(pk__in={p.unit_id for p in unknown}).values_list("pk", flat=True)) if unknown else set()
    new = [
        Finding(
            rule=rule_key,
            key=p.key[:100],
            unit_id=p.unit_id,
            title=p.title[:200],
            evidence=p.evidence,
            url=p.url[:300],
            count=max(p.count, 1),
            first_seen=day,
            last_seen=day,
        )
        for p in unknown
        if p.unit_id in valid_units
    ]
    created = 0
    if new:  # the daily run again finds only known proposals: nothing to insert or count
        # ignore_conflicts: another consumer may have inserted the same (rule, key) meanwhile.
        before = Finding.objects.filter(rule=rule_key).count()
        Finding.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        created = Finding.objects.filter(rule=rule_key).count() - before
    if known:
        Finding.objects.filter(rule=rule_key, key__in=list(known), last_seen__lt=day).update(last_seen=day)
    return created


# -- leads -----------------------------------------------------------------------------------


@transaction.atomic
def finding_dismiss(*, user, finding: Finding, reason: str) -> Finding:
    access.require_supervise(user, finding)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.status != Finding.Status.PROPOSED:
        raise ValidationError(_("This lead has already been dealt with."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the lead is dismissed.")})
    finding.status = Finding.Status.DISMISSED
    finding.dismissed_reason = reason[:200]
    finding.decided_by = user
    finding.decided_at = timezone.now()
    finding.save(update_fields=["status", "dismissed_reason", "decided_by", "decided_at"])
    return finding


# -- 督办 -------------------------------------------------------------------------------------


def responsible_people(unit: Unit, at: datetime | None = None) -> list[Staff]:
    """The unit's responsible people from the assignments held on it (its 包抓领导, secretary,
    dean, prevention officer), in the chain's order."""
    return holders_on(unit, RESPONSIBLE_ROLES, at=at)


def _next_number(now: datetime) -> str:
    year = timezone.localtime(now).year
    CaseCounter.objects.get_or_create(year=year)
    counter = CaseCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"督办〔{year}〕{counter.last}号"


@transaction.atomic
def case_create(
    *,
    user,
    unit: Unit,
    title: str,
    requirement: str,
    due_at: datetime,
    evidence: str = "",
    findings: Iterable[Finding] = (),
    now: datetime | None = None,
) -> Case:
    """Send a 督办 to `unit`. The unit must be in the sender's scope (404 otherwise); leads must
    be open and about the same unit; the deadline must lie ahead."""
    now = now or timezone.now()
    access.require_supervise(user)
    if not in_scope(user, unit):
        raise Http404(_("The unit is not in your scope."))
    findings = list(findings)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    requirement = (requirement or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("Name the matter under supervision."))
    if not requirement:
        errors.setdefault("requirement", []).append(_("Say what the unit must do."))
    if due_at is None or due_at <= now:
        errors.setdefault("due_at", []).append(_("The deadline must lie in the future."))
    locked = list(Finding.objects.select_for_update().filter(pk__in=[f.pk for f in findings]).order_by("pk"))
    for finding in locked:
        if finding.unit_id != unit.pk:
            errors.setdefault("findings", []).append(
                _("The lead “%(title)s” concerns another unit.") % {"title": finding.title},
            )
        elif finding.status != Finding.Status.PROPOSED:
            errors.setdefault("findings", []).append(
                _("The lead “%(title)s” has already been dealt with.") % {"title": finding.title},
            )
        elif not in_scope(user, finding):
            raise Http404
    if errors:
        raise ValidationError(errors)
    case = Case(
        number=_next_number(now),
        unit=unit,
        title=title[:200],
        requirement=requirement,
        evidence=(evidence or "").strip() or "\n".join(f.evidence for f in locked if f.evidence),
        source=Case.Source.DERIVED if locked else Case.Source.ONSITE,
        due_at=due_at,
        created_by=user,
        created_at=now,
    )
    case.full_clean()
    case.save()
    if locked:
        case.findings.set(locked)
        Finding.objects.filter(pk__in=[f.pk for f in locked]).update(status=Finding.Status.TAKEN, decided_by=user, decided_at=now)
    case.responsible.set(responsible_people(unit, at=now))
    set_deadline(case, DEADLINE_KIND, due_at)
    _notify_unit(case, _("Supervision notice %(number)s: %(title)s") % {"number": case.number, "title": case.title})
    return case


@transaction.atomic
def onsite_case_create(*, user, unit: Unit, title: str, requirement: str, due_at: datetime, evidence: str, now=None) -> Case:
    """A finding of an on-site check becomes a lead (kept as such) and at once a 督办."""
    now = now or timezone.now()
    access.require_supervise(user)
    if not in_scope(user, unit):
        raise Http404(_("The unit is not in your scope."))
    if not (evidence or "").strip():
        raise ValidationError({"evidence": _("Describe what the on-site check found.")})
    day = timezone.localdate(now)
    finding = Finding.objects.create(
        rule=ONSITE_RULE,
        key=f"{unit.pk}:{now:%Y%m%d%H%M%S%f}",
        unit=unit,
        title=(title or "").strip()[:200] or _("On-site check"),
        evidence=evidence.strip(),
        first_seen=day,
        last_seen=day,
    )
    case = case_create(
        user=user, unit=unit, title=title, requirement=requirement, due_at=due_at, evidence=evidence, findings=[finding], now=now
    )
    Case.objects.filter(pk=case.pk).update(source=Case.Source.ONSITE)
    case.source = Case.Source.ONSITE
    return case


@transaction.atomic
def answer_submit(*, user, case: Case, kind: str, text: str, files: Sequence[tuple[str, bytes]] = (), now=None) -> Answer:
    """The unit answers. Refused once the 督办 is closed, or when one is already waiting for
    review; attachments must be what their names say (nothing is stored otherwise)."""
    from fangxian.core.attachments import check_attachment

    now = now or timezone.now()
    if not in_scope(user, case):
        raise Http404
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.is_closed:
        raise ValidationError(_("This supervision notice is closed: no further answer is accepted."))
    if not access.can_answer(user, case):
        raise PermissionDenied
    if case.status == Case.Status.ANSWERED:
        raise ValidationError(_("An answer is already waiting for review."))
    errors: dict[str, list[str]] = {}
    if kind not in Answer.Kind.values:
        errors["kind"] = [_("Choose a statement or a rectification report.")]
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Write the answer.")]
    if len(files) > MAX_ATTACHMENTS:
        errors["files"] = [_("At most %(n)s attachments.") % {"n": MAX_ATTACHMENTS}]
    checked: list[tuple[str, bytes, str]] = []
    for name, data in files:
        try:
            checked.append((name, data, check_attachment(name, data, kinds=ATTACHMENT_KINDS, max_bytes=ATTACHMENT_MAX_BYTES)))
        except ValidationError as exc:
            errors.setdefault("files", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    answer = Answer.objects.create(case=case, kind=kind, text=text, submitted_by=user, submitted_at=now)
    for index, (name, data, file_kind) in enumerate(checked, start=1):
        attachment = AnswerAttachment(answer=answer, name=_display_name(name), kind=file_kind, size=len(data))
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
        attachment.file.save(f"{answer.pk}-{index}.{suffix}", ContentFile(data), save=False)
        attachment.save()
    fields = ["status"]
    case.status = Case.Status.ANSWERED
    if case.first_answered_at is None:
        case.first_answered_at = now
        fields.append("first_answered_at")
    case.save(update_fields=fields)
    close_deadline(case, DEADLINE_KIND, at=now)
    _notify_inspectors(case, _("%(unit)s answered %(number)s") % {"unit": case.unit.name, "number": case.number})
    return answer


def _display_name(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1][:200]


DECISIONS = (Answer.Decision.ACCEPTED, Answer.Decision.RETURNED, Answer.Decision.ESCALATED)


@transaction.atomic
def answer_decide(*, user, case: Case, decision: str, note: str = "", due_at: datetime | None = None, now=None) -> Case:
    """The inspector's decision on the latest answer (or, for escalation, on an unanswered
    overdue 督办): accept closes the 督办; return asks again by a new deadline; escalate sends
    it to the unit's responsible leader (包抓领导) and keeps it open with a new deadline."""
    now = now or timezone.now()
    access.require_supervise(user, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.is_closed:
        raise ValidationError(_("This supervision notice is already closed."))
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose accept, return or escalate.")})
    note = (note or "").strip()
    answer = case.answers.filter(decision=Answer.Decision.PENDING).order_by("-submitted_at", "-id").first()
    if decision == Answer.Decision.ACCEPTED and answer is None:
        raise ValidationError(_("There is no answer to accept."))
    if decision == Answer.Decision.RETURNED and answer is None:
        raise ValidationError(_("There is no answer to return."))
    if decision in (Answer.Decision.RETURNED, Answer.Decision.ESCALATED):
        if not note:
            raise ValidationError({"note": _("Say what the unit must still do.")})
        if due_at is None or due_at <= now:
            raise ValidationError({"due_at": _("The new deadline must lie in the future.")})
    if answer is not None:
        answer.decision = decision
        answer.decision_note = note
        answer.decided_by = user
        answer.decided_at = now
        answer.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
    if decision == Answer.Decision.ACCEPTED:
        case.status = Case.Status.CLOSED
        case.closed_at = now
        case.closed_by = user
        case.closing_note = note
        case.save(update_fields=["status", "closed_at", "closed_by", "closing_note"])
        close_deadline(case, DEADLINE_KIND, at=now)
        _notify_unit(case, _("Supervision notice %(number)s is closed") % {"number": case.number})
        return case
    case.due_at = due_at
    if decision == Answer.Decision.RETURNED:
        case.status = Case.Status.RETURNED
        case.save(update_fields=["status", "due_at"])
        set_deadline(case, DEADLINE_KIND, due_at)
        _notify_unit(case, _("Supervision notice %(number)s was returned: %(note)s") % {"number": case.number, "note": note})
        return case
    case.status = Case.Status.ESCALATED
    case.escalated_at = now
    case.save(update_fields=["status", "due_at", "escalated_at"])
    set_deadline(case, DEADLINE_KIND, due_at)
    _notify_leaders(case, _("Supervision notice %(number)s was escalated to you: %(note)s") % {"number": case.number, "note": note})
    return case


# -- accountability --------------------------------------------------------------------------


@transaction.atomic
def accountability_create(
    *, user, measure: str, unit: Unit, day: date, person: Staff | None = None, person_name: str = "", note: str = "", cases=()
) -> Accountability:
    if not access.can_record_accountability(user):
        raise PermissionDenied
    if not in_scope(user, unit):
        raise Http404
    errors: dict[str, list[str]] = {}
    if measure not in Accountability.Measure.values:
        errors["measure"] = [_("Choose the measure.")]
    name = (person.name if person else (person_name or "").strip())[:60]
    if not name:
        errors["person_name"] = [_("Name the person held accountable.")]
    if day is None or day > timezone.localdate():
        errors["day"] = [_("The date cannot lie in the future.")]
    cases = list(cases)
    for case in cases:
        if case.unit_id != unit.pk:
            errors.setdefault("cases", []).append(_("%(number)s was sent to another unit.") % {"number": case.number})
    if errors:
        raise ValidationError(errors)
    record = Accountability(
        measure=measure, person=person, person_name=name, unit=unit, day=day, note=(note or "").strip(), created_by=user
    )
    record.full_clean()
    record.save()
    record.cases.set(cases)
    return record


# -- notifications ---------------------------------------------------------------------------


def _case_url(case: Case) -> str:
    from django.urls import reverse

    return reverse("supervision:case", args=[case.pk])


def _notify(users, case: Case, title: str) -> None:
    from fangxian.notify.services import notify_users

    users = [u for u in users if u is not None and u.is_active]
    if users:
        notify_users(users=users, title=title, body=case.title, url=_case_url(case), kind="supervision")


def _unit_users(case: Case) -> list:
    from fangxian.org.chain import users_of

    staff = list(case.responsible.select_related("user"))
    admins = holders_on(case.unit, ["college_admin"])
    return users_of({s.pk: s for s in [*staff, *admins]}.values())


# The notifications are rows of the same transaction (nothing is told of a 督办 that was
# rolled back); notify_users sends e-mail and messengers after the commit.
def _notify_unit(case: Case, title: str) -> None:
    _notify(_unit_users(case), case, title)


def _notify_inspectors(case: Case, title: str) -> None:
    _notify([case.created_by], case, title)


def _notify_leaders(case: Case, title: str) -> None:
    from fangxian.org.chain import holders_above, users_of

    _notify(users_of(holders_above(case.unit, ["leader"])), case, title)
