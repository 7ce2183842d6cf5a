"""Authorization matrix entries for the ledger's pages and API (see fangxian/testing_authz.py).

"in" objects belong to the counselor's grade (医学院 2021级): students[0] (the student
login) has an application waiting for the counselor, students[1] an approved ledger entry.
"out" objects belong to the other college. Dorm-move plans are the office's (whole
institution), so they are not subject to the org scope.
"""

from __future__ import annotations

from datetime import timedelta

from fangxian.testing_authz import Entry, expect

API_ANON = (401, 403)
STAFF = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200}
WRITERS_405 = {"office": 405, "college": 405, "counselor": 405}
WRITERS_302 = {"office": 302, "college": 302, "counselor": 302}
OFFICE_READ = {"office": 200, "leader": 200, "inspector": 200}


def _ledger(world):
    """The ledger data of the mini university, made once per world."""
    if hasattr(world, "ledger"):
        return world.ledger
    from django.utils import timezone

    from fangxian.ledger import moves, services
    from fangxian.ledger.models import Category

    uni = world.uni
    today = timezone.localdate()
    period = services.period_create(
        institution=uni.institution,
        name="2022 暑假",
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=30),
        reasons=["考研"],
    )
    category = Category.objects.create(institution=uni.institution, code="psych", name="心理关注")

    def apply(student, approve: bool):
        app = services.application_submit(
            student=student,
            period=period,
            start_date=period.start_date,
            end_date=period.end_date,
            reason=period.reasons.get(),
            bed=student.bed,
            emergency_contact="父",
            emergency_phone="13900000000",
            parent_name="父",
            parent_phone="13900000000",
            pledge_agreed=True,
            on=period.start_date,
        )
        if approve:
            services.application_review(application=app, approve=True, by=None)
            services.application_confirm(application=app, by=None, on=period.start_date)
        return app

    world.ledger = {
        "app_in": apply(uni.students[0], approve=False),
        "app_out": apply(uni.other_students[0], approve=False),
        "entry_in": apply(uni.students[1], approve=True).entry,
        "entry_out": apply(uni.other_students[1], approve=True).entry,
        "category": category,
    }
    world.ledger["plan"] = moves.plan_suggest(period=period, campus=uni.campus, move_date=today, by=None)
    return world.ledger


def _setup(world, user, which):
    _ledger(world)
    return {}


def _app(world, user, which):
    return {"pk": _ledger(world)[f"app_{which}"].pk}


def _entry(world, user, which):
    return {"pk": _ledger(world)[f"entry_{which}"].pk}


def _plan(world, user, which):
    return {"pk": _ledger(world)["plan"].pk}


def _status_data(world, user, which):
    entry = _ledger(world)[f"entry_{which}"]
    entry.refresh_from_db()
    return {"status": "on_campus", "version": entry.version}


def _review_data(world, user, which):
    return {"decision": "approve", "version": _ledger(world)[f"app_{which}"].version}


def _tag_data(world, user, which):
    return {"category": _ledger(world)["category"].pk}


def _staff_data(world, user, which):
    return {"staff": world.uni.counselor.pk}


def _correct_data(world, user, which):
    """The stay as it is (a correction that changes nothing: the page answers with the entry)."""
    app = _ledger(world)[f"entry_{which}"].application
    app.refresh_from_db()
    fields = ("reason_note", "emergency_contact", "emergency_phone", "parent_name", "parent_phone")
    return {
        "start_date": app.start_date.isoformat(),
        "end_date": app.end_date.isoformat(),
        "reason": app.reason_id,
        "bed": app.bed_id,
        "version": app.version,
        **{name: getattr(app, name) for name in fields},
    }


def _cancel_data(world, user, which):
    """No reason given: refused with a message, so the stay stays for the other entries."""
    app = _ledger(world)[f"entry_{which}"].application
    app.refresh_from_db()
    return {"version": app.version, "note": ""}


CORRECTORS_200 = {"office": 200, "college": 200}
CORRECTORS_302 = {"office": 302, "college": 302}

ENTRIES = [
    Entry("ledger:list", get=expect(403, **STAFF)),
    Entry("ledger:export", get=expect(403, **STAFF)),
    Entry("ledger:mine", get=expect(403, **STAFF)),
    # No student chosen: the search page, for GET and POST alike.
    Entry(
        "ledger:register",
        get=expect(403, office=200, college=200, counselor=200),
        post=expect(403, office=200, college=200, counselor=200),
        kwargs=_setup,
        scoped=False,
    ),
    Entry("ledger:approvals", get=expect(403, **STAFF)),
    Entry(
        "ledger:import",
        get=expect(403, office=200, college=200),
        post=expect(403, office=400, college=400),  # no file: the form again with the reason
        kwargs=_setup,
        scoped=False,
    ),
    # No such batch in the mini university: 404 for the roles that may undo their stay imports.
    Entry(
        "ledger:import_undo",
        get=expect(403, office=405, college=405),
        post=expect(403, office=404, college=404),
        kwargs=lambda world, user, which: {"pk": 999999},
        scoped=False,
    ),
    Entry("ledger:one_to_one_fill", get=expect(403, **WRITERS_405), post=expect(403, **WRITERS_302)),
    Entry("ledger:apply", get=expect(403, student=200), post=expect(403, student=200), kwargs=_setup, scoped=False),
    Entry("ledger:withdraw", get=expect(403, student=405), post=expect(403, student=302), kwargs=_app),
    Entry(
        "ledger:review",
        get=expect(403, **WRITERS_405),
        post=expect(403, **WRITERS_302),
        kwargs=_app,
        data=_review_data,
    ),
    Entry("ledger:entry", get=expect(403, **STAFF), kwargs=_entry),
    Entry("ledger:entry_status", get=expect(403, **WRITERS_405), post=expect(403, **WRITERS_302), kwargs=_entry, data=_status_data),
    Entry(
        "ledger:entry_reveal",
        get=expect(405),
        post=expect(403, office=200, college=200, counselor=200),
        kwargs=_entry,
        data=lambda w, u, which: {"field": "parent_phone", "reason": "contact"},
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry("ledger:entry_tag", get=expect(403, **WRITERS_405), post=expect(403, **WRITERS_302), kwargs=_entry, data=_tag_data),
    Entry("ledger:entry_one_to_one", get=expect(403, **WRITERS_405), post=expect(403, **WRITERS_302), kwargs=_entry, data=_staff_data),
    Entry("ledger:entry_correct", get=expect(403, **CORRECTORS_200), post=expect(403, **CORRECTORS_302), kwargs=_entry, data=_correct_data),
    Entry(
        "ledger:entry_cancel",
        get=expect(403, office=405, college=405),
        post=expect(403, **CORRECTORS_302),
        kwargs=_entry,
        data=_cancel_data,
    ),
    Entry("ledger:periods", get=expect(403, **OFFICE_READ), post=expect(403, office=302)),
    Entry("ledger:moves", get=expect(403, **OFFICE_READ), post=expect(403, office=200), kwargs=_setup, scoped=False),
    Entry("ledger:move_plan", get=expect(403, **OFFICE_READ), post=expect(403, office=302), kwargs=_plan, scoped=False),
    Entry("ledger:move_print", get=expect(403, **OFFICE_READ), kwargs=_plan, scoped=False),
    # API
    Entry("ledger-entry-list", get=expect(403, **STAFF), anonymous_get=API_ANON),
    Entry("ledger-entry-detail", get=expect(403, **STAFF), kwargs=_entry, anonymous_get=API_ANON),
    Entry(
        "ledger-entry-status",
        get=expect(403, **WRITERS_405, leader=405, inspector=405),
        post=expect(403, office=200, college=200, counselor=200),
        kwargs=_entry,
        data=_status_data,
        anonymous_get=API_ANON,
    ),
    # Only a student applies (for themselves) through the API; an empty body is refused
    # with 400 once past the roles, so every other role's 403 is the permission's.
    Entry(
        "ledger-application-list",
        get=expect(403, **STAFF, student=200),
        post=expect(403, student=400),
        data=lambda w, u, which: {},
        anonymous_get=API_ANON,
    ),
    Entry("ledger-application-detail", get=expect(403, **STAFF, student=200), kwargs=_app, anonymous_get=API_ANON),
]
