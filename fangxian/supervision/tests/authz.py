"""Authorization matrix entries for the supervision desk (see fangxian/testing_authz.py).

督办 belong to units: "in" is sent to the 医学院 (the college admin's college), "out" to the
文学院. The office, school leaders and discipline inspection see every unit; discipline
inspection and the office send and decide; the unit's college admin answers; accountability
records are for discipline inspection and school leaders only."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangxian.testing_authz import Entry, expect

API_ANON = (401, 403)
READERS = {"office": 200, "leader": 200, "inspector": 200, "college": 200}
OVERSEERS = {"office": 200, "leader": 200, "inspector": 200}
SECRET = {"leader": 200, "inspector": 200}


def _unit(world, which):
    return world.uni.college if which == "in" else world.uni.other_college


def _lead(world, which):
    from fangxian.supervision.models import Finding

    day = timezone.localdate()
    lead, _ = Finding.objects.get_or_create(
        rule="reports.missed",
        key=f"authz:{which}",
        defaults={"unit": _unit(world, which), "title": "日报未报", "first_seen": day, "last_seen": day},
    )
    return lead


def _case(world, which, *, closed=False):
    from fangxian.supervision.models import Case

    status = Case.Status.CLOSED if closed else Case.Status.OPEN
    case, _ = Case.objects.get_or_create(
        number=f"authz-{which}-{status}",
        defaults={
            "unit": _unit(world, which),
            "title": "日报未报",
            "requirement": "说明原因",
            "due_at": timezone.now() + timedelta(days=3),
            "created_by": world.users["inspector"],
            "status": status,
            "closed_at": timezone.now() if closed else None,
        },
    )
    return case


def _attachment(world, which):
    from django.core.files.base import ContentFile

    from fangxian.supervision.models import Answer, AnswerAttachment

    case = _case(world, which)
    answer, _ = Answer.objects.get_or_create(
        case=case, defaults={"kind": "statement", "text": "说明", "submitted_by": world.users["college"]}
    )
    item = AnswerAttachment.objects.filter(answer=answer).first()
    if item is None:
        item = AnswerAttachment(answer=answer, name="说明.pdf", kind="pdf", size=9)
        item.file.save(f"authz-{which}.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return {"pk": item.pk}


def _record(world, user, which):
    from fangxian.supervision.models import Accountability

    record, _ = Accountability.objects.get_or_create(
        person_name="张三",
        defaults={
            "measure": "reminder_talk",
            "unit": world.uni.college,
            "day": timezone.localdate(),
            "created_by": world.users["inspector"],
        },
    )
    return {"pk": record.pk}


def _api_case(world, user, which):
    return {
        "unit": _unit(world, which).pk,
        "title": "日报未报",
        "requirement": "说明原因",
        "due_at": (timezone.now() + timedelta(days=2)).isoformat(),
    }


def _api_record(world, user, which):
    return {"measure": "interview", "person_name": "李四", "unit": world.uni.college.pk, "day": timezone.localdate().isoformat()}


def lead_pk(world, user, which):
    return {"pk": _lead(world, which).pk}


def case_pk(world, user, which):
    return {"pk": _case(world, which).pk}


def closed_pk(world, user, which):
    return {"pk": _case(world, which, closed=True).pk}


INSPECT = {"office": 405, "inspector": 405}
READ_405 = {"office": 405, "leader": 405, "inspector": 405, "college": 405}

ENTRIES = [
    Entry("supervision:index", get=expect(403, **READERS)),
    Entry("supervision:findings", get=expect(403, **OVERSEERS)),
    Entry(
        "supervision:finding_dismiss",
        get=expect(403, **INSPECT),
        post=expect(403, office=302, inspector=302),
        kwargs=lead_pk,
        data=lambda w, u, which: {"reason": "已核实，系系统维护所致"},
        anonymous_post=302,
    ),
    Entry("supervision:cases", get=expect(403, **READERS)),
    # An empty form re-shows the page with its errors (200) and sends nothing.
    Entry("supervision:case_new", get=expect(403, office=200, inspector=200), post=expect(403, office=200, inspector=200)),
    Entry("supervision:case", get=expect(403, **READERS), kwargs=case_pk),
    # The unit answers; the office, leaders and discipline inspection do not answer for it.
    Entry(
        "supervision:case_answer",
        get=expect(403, **READ_405),
        post=expect(403, college=302),
        kwargs=case_pk,
        data=lambda w, u, which: {"kind": "statement", "text": "情况说明"},
        anonymous_post=302,
    ),
    # No answer is waiting: the decision is refused with a message (302 back to the page).
    Entry(
        "supervision:case_decide",
        get=expect(403, **INSPECT),
        post=expect(403, office=302, inspector=302),
        kwargs=case_pk,
        data=lambda w, u, which: {"decision": "accepted"},
        anonymous_post=302,
    ),
    Entry("supervision:case_notice", get=expect(403, **READERS), kwargs=case_pk),
    Entry("supervision:case_record", get=expect(403, **READERS), kwargs=closed_pk),
    Entry("supervision:attachment", get=expect(403, **READERS), kwargs=lambda w, u, which: _attachment(w, which)),
    # Confidential: discipline inspection records, school leaders read; the empty form re-shows (200).
    Entry("supervision:accountability", get=expect(403, **SECRET), post=expect(403, inspector=200)),
    # API.
    Entry("api-supervision-standing", get=expect(403, **READERS), anonymous_get=API_ANON),
    Entry("supervision-lead-list", get=expect(403, **OVERSEERS), anonymous_get=API_ANON),
    Entry("supervision-lead-detail", get=expect(403, **OVERSEERS), kwargs=lead_pk, anonymous_get=API_ANON),
    Entry(
        "supervision-lead-dismiss",
        get=expect(403, office=405, leader=405, inspector=405),
        post=expect(403, office=200, inspector=200),
        kwargs=lead_pk,
        data=lambda w, u, which: {"reason": "已核实"},
        anonymous_get=API_ANON,
    ),
    Entry(
        "supervision-notice-list",
        get=expect(403, **READERS),
        post=expect(403, office=201, inspector=201),
        data=_api_case,
        anonymous_get=API_ANON,
    ),
    Entry("supervision-notice-detail", get=expect(403, **READERS), kwargs=case_pk, anonymous_get=API_ANON),
    Entry(
        "supervision-notice-answer",
        get=expect(403, **READ_405),
        post=expect(403, college=200),
        kwargs=case_pk,
        data=lambda w, u, which: {"kind": "statement", "text": "情况说明"},
        anonymous_get=API_ANON,
    ),
    Entry(
        "supervision-notice-decide",
        get=expect(403, **READ_405),
        post=expect(403, office=400, inspector=400),
        kwargs=case_pk,
        data=lambda w, u, which: {"decision": "accepted"},
        anonymous_get=API_ANON,
    ),
    Entry(
        "supervision-accountability-list",
        get=expect(403, **SECRET),
        post=expect(403, inspector=201),
        data=_api_record,
        anonymous_get=API_ANON,
    ),
    Entry("supervision-accountability-detail", get=expect(403, **SECRET), kwargs=_record, scoped=False, anonymous_get=API_ANON),
]
