"""Care plans and follow-ups: the default owner, the follow-up clock, bad input in Chinese,
scope (404 outside it) and the confidentiality of psychological records."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fangxian.audit.models import SecurityEvent
from fangxian.care import services
from fangxian.care.models import CareKind, CarePlan, FollowUp
from fangxian.deadlines.models import Deadline
from fangxian.testing import api_client

pytestmark = pytest.mark.django_db


def psych_plan(care, student=None, **extra) -> CarePlan:
    return services.plan_create(
        student=student or care.uni.students[0],
        kind=CareKind.PSYCH,
        interval_days=3,
        starts_on=care.days_ago(10),
        group_code="psych",
        groups={"psych": "心理关注"},
        by=None,
        **extra,
    )


def test_a_plan_is_looked_after_by_the_one_to_one_staff_and_its_clock_runs(care):
    plan = psych_plan(care)
    assert plan.owner == care.uni.counselor  # the one-to-one staff member
    assert plan.group_name == "心理关注"
    deadline = Deadline.objects.get(kind=services.FOLLOW_UP_KIND, object_id=plan.pk)
    assert deadline.due_at == plan.next_due_at < timezone.now()  # 10 days without a follow-up: overdue
    assert CarePlan.objects.overdue().filter(pk=plan.pk).exists()
    at = timezone.now() - timedelta(hours=1)
    services.follow_up_log(plan=plan, by=care.uni.counselor_user, at=at, mode="visit", content="面谈，情绪稳定")
    plan.refresh_from_db()
    deadline.refresh_from_db()
    assert plan.last_follow_up_at == at
    assert deadline.due_at == plan.next_due_at > timezone.now()  # the clock starts again from the follow-up
    assert timezone.localdate(plan.next_due_at) == timezone.localdate(at) + timedelta(days=3)
    assert not CarePlan.objects.overdue().filter(pk=plan.pk).exists()


def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(care, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as exc:
            services.plan_create(
                student=lonely_student(care), kind="psych", interval_days=0, starts_on=care.today, group_code="nope", by=None
            )
        errors = exc.value.message_dict
        assert set(errors) == {"interval_days", "group_code", "owner"}
        assert "一对一" in errors["owner"][0]
        plan = psych_plan(care)
        with pytest.raises(ValidationError) as exc:
            psych_plan(care)  # a second active plan of the same kind
        assert "kind" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.follow_up_log(plan=plan, by=None, at=timezone.now() + timedelta(hours=2), mode="visit", content=" ")
        assert set(exc.value.message_dict) == {"at", "content"}
        assert "晚于现在" in exc.value.message_dict["at"][0]
    assert CarePlan.objects.count() == 1 and FollowUp.objects.count() == 0


def test_a_follow_up_for_a_student_outside_ones_scope_is_404(care, client):
    plan = psych_plan(care)
    client.force_login(care.uni.other_counselor_user)
    response = client.post(reverse("care:follow_up_new", args=[plan.pk]), {"at": "2022-07-20T10:00", "mode": "visit", "content": "x"})
    assert response.status_code == 404
    assert client.get(reverse("care:plan", args=[plan.pk])).status_code == 404
    assert FollowUp.objects.count() == 0
    assert client.get(reverse("care:follow_up_new", args=[plan.pk])).status_code == 405


def test_the_counselor_logs_a_follow_up_on_the_page(care, client):
    plan = services.plan_create(student=care.uni.students[1], kind=CareKind.LIFE, interval_days=7, starts_on=care.today, by=None)
    client.force_login(care.uni.counselor_user)
    # Five minutes ago, but not before the plan's first day (just after midnight that is yesterday).
    midnight = timezone.make_aware(datetime.combine(care.today, time.min))
    at = max(timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=5), timezone.localtime(midnight))
    response = client.post(
        reverse("care:follow_up_new", args=[plan.pk]), {"at": at.strftime("%Y-%m-%dT%H:%M"), "mode": "phone", "content": "电话询问饮食"}
    )
    assert response.status_code == 302
    page = client.get(reverse("care:plan", args=[plan.pk])).content.decode()
    assert "电话询问饮食" in page
    bad = client.post(reverse("care:follow_up_new", args=[plan.pk]), {"at": "", "mode": "phone", "content": ""})
    assert bad.status_code == 400
    assert FollowUp.objects.count() == 1


def lonely_student(care):
    """A student of a new class: no one-to-one staff, no class teacher, no counselor."""
    from fangxian.org.testing import StudentFactory, UnitFactory

    major = UnitFactory(kind="major", name="药学", parent=care.uni.college)
    grade = UnitFactory(kind="grade", name="2022级", parent=major)
    klass = UnitFactory(kind="class", name="药学2022级1班", parent=grade)
    return StudentFactory(klass=klass)


SECRET = "自述失眠两周，与家人关系紧张"


@pytest.fixture
def psych_record(care):
    plan = psych_plan(care)
    follow_up = services.follow_up_log(plan=plan, by=care.psych_user, at=timezone.now() - timedelta(hours=2), mode="visit", content=SECRET)
    return plan, follow_up


def test_psychological_content_is_read_only_by_the_centre_and_the_one_to_one_staff(care, psych_record, client, make_user, verified_client):
    plan, follow_up = psych_record
    office = make_user("office9", "prevention_office")
    readers = {"psych": care.psych_user, "one-to-one": care.uni.counselor_user}
    others = {
        "college": care.uni.college_admin_user,
        "leader": make_user("leader9", "leader"),
        "inspector": make_user("insp9", "discipline"),
    }
    for who, user in readers.items():
        client.force_login(user)
        before = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REVEAL).count()
        plan_page = client.get(reverse("care:plan", args=[plan.pk])).content.decode()
        assert SECRET not in plan_page, who  # never in a list, not even for those who may read it
        assert reverse("care:follow_up", args=[follow_up.pk]) in plan_page, who
        detail = client.get(reverse("care:follow_up", args=[follow_up.pk])).content.decode()
        assert SECRET in detail, who
        event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REVEAL).order_by("-pk").first()
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REVEAL).count() == before + 1
        assert event.user == user and event.detail["object_id"] == follow_up.pk and event.detail["model"] == "care.FollowUp"
    for who, user in others.items():
        client.force_login(user)
        before = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REVEAL).count()
        plan_page = client.get(reverse("care:plan", args=[plan.pk]))
        assert plan_page.status_code == 200, who
        assert SECRET not in plan_page.content.decode() and "保密" in plan_page.content.decode(), who
        detail = client.get(reverse("care:follow_up", args=[follow_up.pk]))
        assert detail.status_code == 200 and SECRET not in detail.content.decode(), who  # only that it happened
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REVEAL).count() == before, who
    office_client = verified_client(office)
    assert SECRET not in office_client.get(reverse("care:follow_up", args=[follow_up.pk])).content.decode()


def test_psychological_content_is_never_in_the_api(care, psych_record):
    plan, follow_up = psych_record
    for user in (care.psych_user, care.uni.counselor_user, care.uni.college_admin_user):
        response = api_client(user).get("/api/v1/care/follow-ups/")
        assert response.status_code == 200
        rows = response.json()["results"]
        assert [r["id"] for r in rows] == [follow_up.pk]
        assert rows[0]["confidential"] is True and rows[0]["content"] is None and rows[0]["needs_attention"] is None
        assert SECRET not in response.content.decode()


def test_the_psychological_centre_sees_only_students_in_psychological_care(care, client):
    life = services.plan_create(student=care.uni.students[1], kind=CareKind.LIFE, interval_days=7, starts_on=care.today, by=None)
    plan = psych_plan(care)
    client.force_login(care.psych_user)
    page = client.get(reverse("care:list")).content.decode()
    assert care.uni.students[0].name in page and care.uni.students[1].name not in page
    assert client.get(reverse("care:plan", args=[life.pk])).status_code == 404
    assert client.get(reverse("care:plan", args=[plan.pk])).status_code == 200
    # The centre logs a follow-up on a psychological plan of a student it does not have one-to-one.
    response = client.post(
        reverse("care:follow_up_new", args=[plan.pk]),
        {"at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "mode": "visit", "content": "首次咨询"},
    )
    assert response.status_code == 302 and FollowUp.objects.filter(plan=plan, staff=care.psych).exists()


def test_roles_other_than_staff_are_refused(care, client):
    plan = psych_plan(care)
    client.force_login(care.uni.student_user)
    assert client.get(reverse("care:list")).status_code == 403
    assert client.get(reverse("care:plan", args=[plan.pk])).status_code == 403
    assert client.get(reverse("care:plan_new")).status_code == 403


def test_the_office_opens_a_plan_on_the_page_and_ends_it(care, make_user, verified_client):
    client = verified_client(make_user("office8", "prevention_office"))
    student = lonely_student(care)  # no one-to-one staff, no counselor: the owner must be named
    page = client.post(
        reverse("care:plan_new"),
        {"student_number": student.student_number, "kind": "academic", "interval_days": 14, "starts_on": care.today.isoformat()},
    )
    assert page.status_code == 200 and "一对一" in page.content.decode()
    page = client.post(
        reverse("care:plan_new"),
        {
            "student_number": student.student_number,
            "kind": "academic",
            "interval_days": 14,
            "starts_on": care.today.isoformat(),
            "owner_number": care.uni.counselor.staff_number,
        },
    )
    plan = CarePlan.objects.get(student=student)
    assert page.status_code == 302 and plan.owner == care.uni.counselor
    assert client.post(reverse("care:plan_end", args=[plan.pk])).status_code == 302
    plan.refresh_from_db()
    assert plan.ended_at is not None
    assert Deadline.objects.get(object_id=plan.pk, kind=services.FOLLOW_UP_KIND).cancelled_at is not None
