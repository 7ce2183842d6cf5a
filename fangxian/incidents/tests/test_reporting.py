"""Reporting an incident: who may, what is refused (in Chinese, naming the field, nothing
saved), people linked where they exist, photos cleaned, and a repeated submit reported once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangxian.deadlines.models import Deadline
from fangxian.incidents import services
from fangxian.incidents.deadlines import FIRST_REPORT, WRITTEN
from fangxian.incidents.models import Incident, Photo, Policy
from fangxian.notify.models import Notification
from fangxian.org.testing import make_image, stored_files


def report(cast, **kwargs):
    args = {
        "user": cast.duty_user,
        "kind": "fire",
        "occurred_at": timezone.now() - timedelta(minutes=5),
        "description": "配电箱冒烟，无人受伤",
        "place": cast.uni.building,
    }
    args.update(kwargs)
    return services.incident_report(**args)


def test_a_person_on_duty_reports_and_the_clocks_start(cast):
    incident = report(cast, level="larger")
    assert incident.title == "火情 · 1号公寓"
    assert incident.unit == cast.uni.security_office  # the unit of the duty post
    assert incident.reporter_name == "值班员 李明" and incident.reporter_phone == "13800001234"
    kinds = set(Deadline.objects.of(incident).open().values_list("kind", flat=True))
    assert kinds == {FIRST_REPORT, WRITTEN}
    first = Deadline.objects.of(incident).get(kind=FIRST_REPORT)
    # 较大: the first report within 30 minutes of the incident (≥ 15 min after the report).
    assert first.due_at == incident.occurred_at + timedelta(minutes=30)
    assert Notification.objects.filter(user=cast.office, kind="incidents.reported").count() == 1


def test_someone_not_on_duty_may_not_report(cast):
    with pytest.raises(PermissionDenied):
        report(cast, user=cast.uni.counselor_user)
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"occurred_at": None}, "occurred_at", "请填写发生时间"),
        ({"occurred_at": "future"}, "occurred_at", "晚于当前时间"),
        ({"occurred_at": "ancient"}, "occurred_at", "最早日期"),
        ({"kind": "earthquake"}, "kind", "请选择事件类型"),
        ({"level": "mild"}, "level", "请选择等级"),
        ({"description": "  "}, "description", "简要描述"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(cast, change, field, words):
    Policy.objects.create(pk=1, earliest_date=date(2022, 7, 1))
    if change.get("occurred_at") == "future":
        change = {"occurred_at": timezone.now() + timedelta(hours=1)}
    elif change.get("occurred_at") == "ancient":
        change = {"occurred_at": timezone.make_aware(timezone.datetime(2022, 6, 30, 12))}
    with pytest.raises(ValidationError) as caught:
        report(cast, **change)
    assert words in " ".join(caught.value.message_dict[field])
    assert not Incident.objects.exists() and not Deadline.objects.exists()


def test_photos_are_cleaned_and_bad_ones_refused(cast, media_root):
    good = make_image((2400, 1800))
    incident = report(cast, photos=[good])
    photo = Photo.objects.get(incident=incident)
    assert photo.image.name.startswith("incidents/")
    from PIL import Image

    with photo.image.open("rb") as handle:
        assert max(Image.open(handle).size) == 1600  # EVIDENCE_SIDE
    before = stored_files(media_root)
    with pytest.raises(ValidationError) as caught:
        report(cast, photos=[good, b"not an image at all"])
    assert "第 2 张照片" in caught.value.message_dict["photos"][0]
    with pytest.raises(ValidationError) as caught:
        report(cast, photos=[b"\xff" * (5 * 1024 * 1024 + 1)])
    assert "5 MB" in caught.value.message_dict["photos"][0]
    assert Incident.objects.count() == 1 and stored_files(media_root) == before


def test_a_repeated_submit_reports_once(cast):
    first = report(cast, request_key="abc")
    second = report(cast, request_key="abc", description="再次提交")
    assert first.pk == second.pk and Incident.objects.count() == 1


def test_people_are_linked_where_they_exist_and_nobody_learns_a_name_from_a_number(cast):
    student = cast.uni.students[0]
    other = cast.uni.other_students[0]
    text = f"{student.student_number} {student.name}\n{other.student_number}\n访客 张三"
    incident = report(cast, people=text)
    assert list(incident.students.all()) == [student]  # number and name: linked
    # A number alone of a student outside the reporter's scope stays as written.
    assert incident.others.splitlines() == [other.student_number, "访客 张三"]
    # The office's scope holds every student: the number alone is enough.
    incident = report(cast, user=cast.office, people=other.student_number, unit=cast.uni.institution)
    assert list(incident.students.all()) == [other]


def test_the_office_reports_for_any_unit_a_member_of_staff_for_their_own(cast):
    incident = report(cast, user=cast.office, unit=cast.uni.other_college)
    assert incident.unit == cast.uni.other_college
    with pytest.raises(ValidationError) as caught:
        report(cast, unit=cast.uni.other_college)
    assert "报告单位" in caught.value.message_dict["unit"][0]
