"""Writes for notices: drafting and revising (sanitised text, attachments, questions, audience),
publishing now or at a set time, withdrawing, reading and acknowledging, re-notifying.

Every write is one transaction; bad input raises ValidationError with a Chinese message
naming the field (and the row or question), and nothing is saved.
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.core.attachments import check_attachment
from fangxian.notify.services import notify_many, notify_users
from fangxian.org.models import Assignment, Place, Staff, Student, Unit
from fangxian.org.registry import assignment_role

from . import access
from .models import (
    Attachment,
    Attempt,
    AudienceKind,
    AudienceRule,
    Notice,
    NoticeVersion,
    Question,
    Receipt,
    Reminder,
    Status,
)

MAX_ATTACHMENTS = 10
BATCH = 2000

# -- rich text ------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
# What a notice never carries: scripts and the ways HTML runs them.
_DANGEROUS = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style|form)\b|\son[a-z]+\s*=|(java|vb)script\s*:", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|tr|blockquote|div|table)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)


def sanitise(body: str) -> tuple[str, str]:
    """(clean HTML, plain text) of a notice's text. A script, an on… handler or a
    javascript: link is refused, not silently dropped: the author must know the text
    they see is not the text they wrote."""
    body = (body or "").strip()
    if _DANGEROUS.search(body):
        raise ValidationError(
            {
                "body": _(
                    "The text contains a script (<script>, an on… event handler or a javascript: link). Scripts are not allowed in notices: remove it and save again."  # noqa: E501
                )
            }
        )
    if "<" not in body:
        # Plain text: each paragraph (blank line) becomes <p>, single line breaks <br>.
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
        body = "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
    clean = nh3.clean(
        body, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer"
    )
    text = html.unescape(nh3.clean(_BLOCK_END.sub("\n", clean), tags=set()))
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if not text:
        raise ValidationError({"body": _("The text of the notice is empty.")})
    return clean, text


# -- questions ------------------------------------------------------------------------------

_CHOICE = re.compile(r"^\s*([A-Ha-h])\s*[.、．:：)）]\s*(.+?)\s*$")
_CORRECT_MARK = re.compile(r"\s*(\*|（正确）|\(正确\)|✓|√)\s*$")


@dataclass
class QuestionSpec:
    text: str
    choices: list[str]
    correct: list[int]


def parse_questions(text: str) -> list[QuestionSpec]:
    """Questions written as text: a line per question, then its choices "A. …", the correct
    ones marked with a trailing * (or （正确）). A question without a correct choice, or
    with fewer than two choices, is refused naming its number."""
    questions: list[QuestionSpec] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        match = _CHOICE.match(line)
        if match and questions:
            choice = match.group(2)
            correct = bool(_CORRECT_MARK.search(choice))
            choice = _CORRECT_MARK.sub("", choice).strip()
            if correct:
                questions[-1].correct.append(len(questions[-1].choices))
            questions[-1].choices.append(choice)
        else:
            questions.append(QuestionSpec(re.sub(r"^\s*\d+\s*[.、．]\s*", "", line), [], []))
    check_questions(questions)
    return questions


def check_questions(questions: list[QuestionSpec]) -> None:
    for n, question in enumerate(questions, start=1):
        if not question.text.strip():
            raise ValidationError({"questions": _("Question %(n)s has no text.") % {"n": n}})
        if len(question.choices) < 2:
            raise ValidationError(
                {"questions": _("Question %(n)s (“%(text)s”) needs at least two choices.") % {"n": n, "text": question.text[:40]}}
            )
        if not question.correct:
            raise ValidationError(
                {
                    "questions": _("Question %(n)s (“%(text)s”) has no correct answer: mark the correct choices with * at the end.")
                    % {"n": n, "text": question.text[:40]}
                }
            )
        if any(i < 0 or i >= len(question.choices) for i in question.correct):
            raise ValidationError({"questions": _("Question %(n)s marks a choice that does not exist as correct.") % {"n": n}})


def questions_as_text(notice: Notice) -> str:
    lines = []
    for n, question in enumerate(notice.questions.all(), start=1):
        lines.append(f"{n}. {question.text}")
        for i, choice in enumerate(question.choices):
            mark = " *" if i in question.correct else ""
            lines.append(f"{'ABCDEFGH'[i]}. {choice}{mark}")
    return "\n".join(lines)


# -- audience -------------------------------------------------------------------------------


@dataclass
class AudienceSpec:
    kind: str
    unit: Unit | None = None
    campus: Place | None = None
    role: str = ""
    people: str = ""


def _numbers(text: str) -> list[str]:
    return [n for n in re.split(r"[\s,，;；、]+", text or "") if n]


def check_audience(institution: Unit, specs: list[AudienceSpec]) -> None:
    """Each rule complete and of this institution; refused naming the rule's position."""
    if not specs:
        raise ValidationError({"audience": _("Choose who must read the notice.")})
    valid = set(AudienceKind.values)
    for n, spec in enumerate(specs, start=1):
        where = _("Audience %(n)s") % {"n": n}
        if spec.kind not in valid:
            raise ValidationError({"audience": _("%(where)s: unknown kind of audience.") % {"where": where}})
        if spec.unit is not None and spec.unit.institution_id != institution.pk:
            raise ValidationError({"audience": _("%(where)s: the unit belongs to another institution.") % {"where": where}})
        if spec.kind == AudienceKind.CAMPUS and (spec.campus is None or spec.campus.kind != Place.Kind.CAMPUS):
            raise ValidationError({"audience": _("%(where)s: choose a campus.") % {"where": where}})
        if spec.campus is not None and spec.campus.institution_id != institution.pk:
            raise ValidationError({"audience": _("%(where)s: the campus belongs to another institution.") % {"where": where}})
        if spec.kind == AudienceKind.UNIT and spec.unit is None:
            raise ValidationError({"audience": _("%(where)s: choose a unit.") % {"where": where}})
        if spec.kind == AudienceKind.ROLE and assignment_role(spec.role) is None:
            raise ValidationError({"audience": _("%(where)s: choose a responsibility.") % {"where": where}})
        if spec.kind == AudienceKind.LIST:
            numbers = _numbers(spec.people)
            if not numbers:
                raise ValidationError({"audience": _("%(where)s: give student or staff numbers.") % {"where": where}})
            known = set(
                Student.objects.filter(institution=institution, student_number__in=numbers).values_list("student_number", flat=True)
            )
            known |= set(Staff.objects.filter(institution=institution, staff_number__in=numbers).values_list("staff_number", flat=True))
            unknown = [x for x in numbers if x not in known]
            if unknown:
                raise ValidationError(
                    {
                        "audience": _("%(where)s: no student or member of staff has the numbers %(numbers)s.")
                        % {"where": where, "numbers": "、".join(unknown[:10]) + ("…" if len(unknown) > 10 else "")}
                    }
                )


@dataclass
class Resolved:
    """The people an audience names: {student id: (user id, class id)}, {staff id: (user id, unit id)}."""

    students: dict[int, tuple[int | None, int]]
    staff: dict[int, tuple[int | None, int]]

    def __len__(self) -> int:
        return len(self.students) + len(self.staff)

    @property
    def user_ids(self) -> set[int]:
        return {u for u, _unit in (*self.students.values(), *self.staff.values()) if u}


def _subtree_students(unit: Unit | None):
    qs = Student.objects.filter(status=Student.Status.ENROLLED)
    if unit is not None:
        qs = qs.filter(klass__path__startswith=unit.path)
    return qs


def resolve_audience(institution: Unit, rules, *, at: datetime | None = None) -> Resolved:
    """Everyone the rules name, each once (enrolled students, active staff)."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    students: dict[int, tuple[int | None, int]] = {}
    staff: dict[int, tuple[int | None, int]] = {}
    student_fields = ("pk", "user_id", "klass_id")
    staff_fields = ("pk", "user_id", "unit_id")

    def add_students(qs):
        for pk, user_id, klass_id in qs.filter(institution=institution).order_by().values_list(*student_fields).iterator(chunk_size=BATCH):
            students[pk] = (user_id, klass_id)

    def add_staff(qs):
        for pk, user_id, unit_id in (
            qs.filter(institution=institution, is_active=True).order_by().values_list(*staff_fields).iterator(chunk_size=BATCH)
        ):
            staff[pk] = (user_id, unit_id)

    for rule in rules:
        kind = rule.kind
        if kind == AudienceKind.INSTITUTION:
            add_students(_subtree_students(None))
            add_staff(Staff.objects.all())
        elif kind == AudienceKind.CAMPUS:
            campus = rule.campus
            units_on_campus = Unit.objects.filter(campus=campus).values_list("path", flat=True)
            condition = Q(bed__path__startswith=campus.path)
            for path in units_on_campus:
                condition |= Q(klass__path__startswith=path)
            add_students(_subtree_students(None).filter(condition))
            add_staff(Staff.objects.filter(Q(unit__campus=campus) | Q(unit__parent__campus=campus)))
        elif kind == AudienceKind.UNIT:
            add_students(_subtree_students(rule.unit))
            add_staff(Staff.objects.filter(unit__path__startswith=rule.unit.path))
        elif kind == AudienceKind.ROLE:
            held = Assignment.objects.active_at(at).filter(role=rule.role)
            if rule.unit is not None:
                held = held.filter(
                    Q(unit__path__startswith=rule.unit.path)
                    | Q(student__klass__path__startswith=rule.unit.path)
                    | Q(place__isnull=False, staff__unit__path__startswith=rule.unit.path)
                )
            add_staff(Staff.objects.filter(pk__in=held.values("staff_id")))
        elif kind == AudienceKind.LEDGER:
            from fangxian.org.coverage import students_on_campus

            add_students(_subtree_students(rule.unit).filter(pk__in=students_on_campus(day).values("pk")))
        elif kind == AudienceKind.CLOSED:
            from fangxian.ledger.providers import closed_management_ids

            ids = sorted(closed_management_ids(day))
            for start in range(0, len(ids), BATCH):
                add_students(_subtree_students(rule.unit).filter(pk__in=ids[start : start + BATCH]))
        elif kind == AudienceKind.LIST:
            numbers = _numbers(rule.people)
            for start in range(0, len(numbers), BATCH):
                chunk = numbers[start : start + BATCH]
                add_students(_subtree_students(None).filter(student_number__in=chunk))
                add_staff(Staff.objects.filter(staff_number__in=chunk))
    return Resolved(students, staff)


def _empty_audience() -> ValidationError:
    return ValidationError(
        {"audience": _("The audience names nobody: no enrolled student or active member of staff matches it. Choose another audience.")}
    )


# -- drafting -------------------------------------------------------------------------------


@dataclass
class Draft:
    """What the notice form or the API gives."""

    kind: str
    title: str
    issuer: str
    number: str
    source_level: str
    tags: str
    body: str
    is_public: bool = False
    requires_ack: bool = True
    pass_mark: int = 100
    max_attempts: int = 3
    expires_at: datetime | None = None


def _require_publisher(by) -> None:
    if not access.can_publish(by):
        raise PermissionDenied


def _institution_of(by) -> Unit:
    from fangxian.org.models import Staff

    staff = Staff.objects.filter(user=by, is_active=True).select_related("institution").first() if by is not None else None
    if staff is not None:
        return staff.institution
    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, parent__isnull=True).order_by("pk").first()
    if institution is None:
        raise ValidationError(_("There is no institution yet."))
    return institution


def _apply(notice: Notice, draft: Draft) -> None:
    notice.kind = draft.kind
    notice.title = (draft.title or "").strip()
    notice.issuer = (draft.issuer or "").strip()
    notice.number = (draft.number or "").strip()
    notice.source_level = draft.source_level
    notice.tags = "，".join(t.strip() for t in (draft.tags or "").replace("，", ",").split(",") if t.strip())[:200]
    notice.body, notice.body_text = sanitise(draft.body)
    notice.is_public = draft.is_public
    notice.requires_ack = draft.requires_ack
    notice.pass_mark = draft.pass_mark
    notice.max_attempts = draft.max_attempts
    notice.expires_at = draft.expires_at


def _set_questions(notice: Notice, questions: list[QuestionSpec] | None) -> None:
    if questions is None:
        return
    check_questions(questions)
    notice.questions.all().delete()
    Question.objects.bulk_create(
        [
            Question(notice=notice, order=n, text=q.text.strip(), choices=q.choices, correct=sorted(set(q.correct)))
            for n, q in enumerate(questions)
        ]
    )


def _set_audience(notice: Notice, audience: list[AudienceSpec] | None) -> None:
    if audience is None:
        return
    check_audience(notice.institution, audience)
    notice.audience.all().delete()
    AudienceRule.objects.bulk_create(
        [
            AudienceRule(
                notice=notice,
                kind=spec.kind,
                unit=spec.unit,
                campus=spec.campus if spec.kind == AudienceKind.CAMPUS else None,
                role=spec.role if spec.kind == AudienceKind.ROLE else "",
                people="\n".join(_numbers(spec.people)) if spec.kind == AudienceKind.LIST else "",
            )
            for spec in audience
        ]
    )


@transaction.atomic
def notice_create(*, by, draft: Draft, audience: list[AudienceSpec], questions: list[QuestionSpec] | None = None, files=()) -> Notice:
    """A new draft (草稿) with its audience, questions and attachments."""
    _require_publisher(by)
    notice = Notice(institution=_institution_of(by), created_by=by)
    _apply(notice, draft)
    notice.full_clean(exclude=["body_text"])
    notice.save()
    _set_audience(notice, audience)
    _set_questions(notice, questions)
    for name, data in files:
        attachment_add(notice=notice, name=name, data=data, by=by)
    return notice


@transaction.atomic
def notice_update(
    *,
    notice: Notice,
    by,
    draft: Draft,
    audience: list[AudienceSpec] | None = None,
    questions: list[QuestionSpec] | None = None,
    files=(),
    note: str = "",
    reread: bool = False,
) -> Notice:
    """Change a notice. A draft is simply changed; a published notice is revised: the text
    as it was is kept as a version (with `note`, what changed), the audience stays as it was
    published, and with `reread` every reader must acknowledge again."""
    _require_publisher(by)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if not notice.is_editable or notice.status == Status.WITHDRAWN:
        raise ValidationError(_("A withdrawn notice cannot be changed."))
    published = notice.status == Status.PUBLISHED
    if published:
        NoticeVersion.objects.create(
            notice=notice,
            number=notice.version,
            title=notice.title,
            issuer=notice.issuer,
            doc_number=notice.number,
            body=notice.body,
            body_text=notice.body_text,
            note=(note or "").strip()[:200],
            created_by=by,
        )
    before = (notice.title, notice.body_text, notice.number, notice.issuer)
    _apply(notice, draft)
    notice.full_clean(exclude=["body_text"])
    if published:
        if (notice.title, notice.body_text, notice.number, notice.issuer) == before and not files:
            raise ValidationError(_("Nothing was changed."))
        notice.version += 1
    notice.updated_at = timezone.now()
    notice.save()
    if not published:
        _set_audience(notice, audience)
    # Questions readers have already answered stay as they were (their scores refer to them).
    answered = published and notice.receipts.filter(attempts__gt=0).exists()
    _set_questions(notice, None if answered else questions)
    for name, data in files:
        attachment_add(notice=notice, name=name, data=data, by=by)
    if published and reread:
        notice.receipts.update(read_at=None, attempts=0, score=None)
        notify_many(
            user_ids=notice.receipts.filter(user__isnull=False).values_list("user_id", flat=True),
            kind="notices.revised",
            title=_("Revised, please read again: %(title)s") % {"title": notice.title},
            body=(note or "")[:500],
            url=reverse("notices:read", args=[notice.pk]),
        )
    return notice


@transaction.atomic
def attachment_add(*, notice: Notice, name: str, data: bytes, by) -> Attachment:
    """Store an attachment after checking it is what its name says (core.attachments)."""
    _require_publisher(by)
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    try:
        kind = check_attachment(name, data)
    except ValidationError as exc:
        raise ValidationError({"files": exc.messages})
    if notice.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"files": _("A notice has at most %(n)s attachments.") % {"n": MAX_ATTACHMENTS}})
    attachment = Attachment(notice=notice, name=name, kind=kind, size=len(data), uploaded_by=by)
    attachment.file.save(name, ContentFile(data), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by) -> None:
    _require_publisher(by)
    attachment.file.delete(save=False)
    attachment.delete()


# -- publishing -----------------------------------------------------------------------------


def _check_ready(notice: Notice) -> Resolved:
    if not notice.audience.exists():
        raise ValidationError({"audience": _("Choose who must read the notice.")})
    if notice.expires_at and notice.expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The notice has already expired; give a later expiry time.")})
    resolved = resolve_audience(notice.institution, notice.audience.select_related("unit", "campus"))
    if not len(resolved):
        raise _empty_audience()
    return resolved


@transaction.atomic
def publish(*, notice: Notice, by, at: datetime | None = None) -> Notice:
    """Publish now, or at `at` (a scheduled notice is published by the periodic job).
    Refused when the audience names nobody."""
    _require_publisher(by)
    if notice.status not in (Status.DRAFT, Status.SCHEDULED):
        raise ValidationError(_("Only a draft or a scheduled notice can be published."))
    resolved = _check_ready(notice)
    now = timezone.now()
    if at is not None and at > now:
        if notice.expires_at and notice.expires_at <= at:
            raise ValidationError({"expires_at": _("The notice must expire after it is published.")})
        Notice.objects.filter(pk=notice.pk).update(status=Status.SCHEDULED, publish_at=at, updated_at=now)
        notice.refresh_from_db()
        return notice
    _publish(notice, resolved, now)
    notice.refresh_from_db()
    return notice


def _publish(notice: Notice, resolved: Resolved, now: datetime) -> bool:
    """Turn the notice published and write its receipts and notifications, once: the
    conditional update lets exactly one caller (page, job consumer) through."""
    claimed = Notice.objects.filter(pk=notice.pk, status__in=[Status.DRAFT, Status.SCHEDULED]).update(
        status=Status.PUBLISHED, published_at=now, publish_at=now, recipients=len(resolved), updated_at=now
    )
    if not claimed:
        return False
    _insert_receipts(notice, resolved, now)
    # A notice to the whole school notifies 30,000 accounts: by ids, in bulk.
    user_ids = resolved.user_ids
    if user_ids:
        notify_many(
            user_ids=user_ids,
            kind="notices.published",
            title=(_("New policy: %(title)s") if notice.kind == "policy" else _("New notice: %(title)s")) % {"title": notice.title},
            body=_("%(issuer)s %(number)s. Please read it and confirm.") % {"issuer": notice.issuer, "number": notice.number},
            url=reverse("notices:read", args=[notice.pk]),
        )
    return True


def _insert_receipts(notice: Notice, resolved: Resolved, now: datetime) -> None:
    """One row per person, inserted with executemany (a publication to the whole school writes
    30,000 rows: model instances would cost more than the INSERT). ON CONFLICT DO NOTHING is the
    same on SQLite and PostgreSQL; the unique (notice, person) constraints keep it once."""
    table = connection.ops.quote_name(Receipt._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"INSERT INTO {table} (notice_id, student_id, staff_id, user_id, unit_id, created_at, read_at, attempts, score)"  # noqa: S608
        " VALUES (%s, %s, %s, %s, %s, %s, NULL, 0, NULL) ON CONFLICT DO NOTHING"
    )
    rows = [(notice.pk, pk, None, user_id, unit_id, at) for pk, (user_id, unit_id) in resolved.students.items()]
    rows += [(notice.pk, None, pk, user_id, unit_id, at) for pk, (user_id, unit_id) in resolved.staff.items()]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def publish_due(now: datetime | None = None) -> int:
    """The scheduled notices whose time has come (the periodic job). Each in its own
    transaction; one whose audience has become empty goes back to draft and its author is told."""
    now = now or timezone.now()
    published = 0
    for notice in Notice.objects.filter(status=Status.SCHEDULED, publish_at__lte=now).order_by("publish_at", "pk"):
        try:
            with transaction.atomic():
                resolved = _check_ready(notice)
                published += _publish(notice, resolved, now)
        except ValidationError as exc:
            with transaction.atomic():
                if (
                    Notice.objects.filter(pk=notice.pk, status=Status.SCHEDULED).update(status=Status.DRAFT, updated_at=now)
                    and notice.created_by
                ):
                    notify_users(
                        users=[notice.created_by],
                        kind="notices.not_published",
                        title=_("Not published: %(title)s") % {"title": notice.title},
                        body=" ".join(exc.messages),
                        url=reverse("notices:detail", args=[notice.pk]),
                    )
    return published


@transaction.atomic
def withdraw(*, notice: Notice, by) -> Notice:
    """Withdraw (撤回) a published or scheduled notice: it leaves readers' lists; its receipts stay."""
    _require_publisher(by)
    if notice.status not in (Status.PUBLISHED, Status.SCHEDULED):
        raise ValidationError(_("Only a published or scheduled notice can be withdrawn."))
    Notice.objects.filter(pk=notice.pk).update(status=Status.WITHDRAWN, withdrawn_at=timezone.now(), updated_at=timezone.now())
    notice.refresh_from_db()
    return notice


@transaction.atomic
def notice_delete(*, notice: Notice, by) -> None:
    """Only a draft can be deleted; a published notice is withdrawn instead."""
    _require_publisher(by)
    if notice.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be deleted; withdraw a published notice instead."))
    for attachment in notice.attachments.all():
        attachment.file.delete(save=False)
    notice.delete()


# -- reading --------------------------------------------------------------------------------


@dataclass
class ReadResult:
    read: bool
    score: int | None = None
    passed: bool | None = None
    attempts_left: int | None = None  # None: unlimited


def _grade(notice: Notice, answers: dict) -> tuple[int, dict]:
    questions = list(notice.questions.all())
    right = 0
    given: dict[str, list[int]] = {}
    for question in questions:
        raw = answers.get(str(question.pk), answers.get(question.pk, []))
        if not isinstance(raw, list | tuple):
            raw = [raw]
        try:
            chosen = sorted({int(x) for x in raw if str(x).strip() != ""})
        except (TypeError, ValueError):
            raise ValidationError({"answers": _("Question “%(text)s”: the answer cannot be read.") % {"text": question.text[:40]}})
        given[str(question.pk)] = chosen
        right += chosen == sorted(question.correct)
    return round(100 * right / len(questions)) if questions else 100, given


@transaction.atomic
def acknowledge(*, receipt: Receipt, by, answers: dict | None = None) -> ReadResult:
    """我已阅读并知晓: the reader confirms (after passing the questions, if any). Idempotent:
    a confirmed receipt stays confirmed; every try at the questions is kept."""
    if receipt.user_id is None or by is None or receipt.user_id != by.pk:
        raise PermissionDenied
    receipt = Receipt.objects.select_for_update(of=("self",)).select_related("notice").get(pk=receipt.pk)
    notice = receipt.notice
    if receipt.read_at is not None:
        return ReadResult(read=True, score=receipt.score, passed=True if receipt.score is not None else None)
    if not notice.is_in_force():
        raise ValidationError(_("This notice has been withdrawn or has expired; it no longer needs to be confirmed."))
    if not notice.questions.exists():
        Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=timezone.now())
        return ReadResult(read=True)
    if notice.max_attempts and receipt.attempts >= notice.max_attempts:
        raise ValidationError(
            _("You have used all %(n)s attempts at the questions; ask your counselor to explain the notice.") % {"n": notice.max_attempts}
        )
    answers = answers or {}
    missing = [q for q in notice.questions.all() if not answers.get(str(q.pk), answers.get(q.pk))]
    if missing:
        raise ValidationError({"answers": _("Answer question “%(text)s” first.") % {"text": missing[0].text[:40]}})
    score, given = _grade(notice, answers)
    passed = score >= notice.pass_mark
    now = timezone.now()
    Attempt.objects.create(receipt=receipt, answers=given, score=score, passed=passed, created_at=now)
    Receipt.objects.filter(pk=receipt.pk).update(attempts=F("attempts") + 1, score=score, read_at=now if passed else None)
    used = receipt.attempts + 1
    left = None if not notice.max_attempts else max(0, notice.max_attempts - used)
    return ReadResult(read=passed, score=score, passed=passed, attempts_left=left)


# -- re-notifying ---------------------------------------------------------------------------


@dataclass
class RenotifyResult:
    sent: int  # people reminded now
    skipped: int  # already reminded today
    without_account: int  # counted, but cannot be reached in the platform


@transaction.atomic
def renotify(*, notice: Notice, by, unit: Unit | None = None, receipt_ids=None, day=None) -> RenotifyResult:
    """Remind the people of the user's scope who have not read (in-app, e-mail, WeCom /
    DingTalk as configured): at most once per person and day, whoever presses the button and
    however many job consumers run it (the unique (receipt, day) row decides)."""
    if not access.can_follow_up(by):
        raise PermissionDenied
    if not notice.is_in_force():
        raise ValidationError(_("This notice has been withdrawn or has expired; nobody needs to be reminded."))
    day = day or timezone.localdate()
    pending = Receipt.objects.visible_to(by).filter(notice=notice, read_at__isnull=True).exclude(user=by)
    if unit is not None:
        pending = pending.filter(unit__path__startswith=unit.path)
    if receipt_ids is not None:
        pending = pending.filter(pk__in=list(receipt_ids))
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    batch = uuid.uuid4().hex
    Reminder.objects.bulk_create(
        [Reminder(receipt_id=pk, day=day, batch=batch, sent_by=by) for pk in ids], batch_size=BATCH, ignore_conflicts=True
    )
    fresh = Receipt.objects.filter(pk__in=Reminder.objects.filter(batch=batch).values("receipt_id"))
    user_ids = set(fresh.filter(user__isnull=False).values_list("user_id", flat=True))
    sent = fresh.count()
    if user_ids:
        notify_many(
            user_ids=user_ids,
            kind="notices.reminder",
            title=_("Please read and confirm: %(title)s") % {"title": notice.title},
            body=_("%(issuer)s %(number)s. You have not confirmed this notice yet.") % {"issuer": notice.issuer, "number": notice.number},
            url=reverse("notices:read", args=[notice.pk]),
        )
    return RenotifyResult(sent=sent, skipped=len(ids) - sent, without_account=sent - len(user_ids))
