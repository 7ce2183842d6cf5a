"""Rounds from the ledger, samplings at the site, the lab's results and what an abnormal
pooled tube sets off, the missing as tasks, the repeating schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.deadlines.models import Deadline
from fangxian.deadlines.services import tick
from fangxian.notify.models import Notification
from fangxian.screening import deadlines, selectors, services
from fangxian.screening.importing import ResultImporter
from fangxian.screening.models import LabMapping, Member, Result, ResultImport, Round, Sample, Tube

from .conftest import lab_file, same_file

pytestmark = pytest.mark.django_db


def test_round_population_is_the_ledger_on_its_day_by_campus_and_category(world):
    everyone = world.round(name="全体")
    assert everyone.expected == len(world.students)
    closed = world.round(name="封闭管理", category_code="closed")
    assert sorted(Member.objects.filter(round=closed).values_list("student_id", flat=True)) == sorted(s.pk for s in world.closed)
    member = Member.objects.get(round=closed, student=world.closed[0])
    assert member.slot.place == world.site and member.unit_id == world.uni.college.pk and member.building_id == world.uni.building.pk
    assert closed.category_name == "封闭管理"


def test_staff_groups_join_the_population(world):
    round = world.round(name="教职工", include_students=False, staff_units=[world.uni.college])
    staff_ids = set(Member.objects.filter(round=round).values_list("staff_id", flat=True))
    assert world.uni.counselor.pk in staff_ids and None not in staff_ids


def test_bad_rounds_are_refused_in_chinese_and_nothing_is_saved(world):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        services.round_create(
            institution=world.uni.institution,
            name="坏批次",
            kind="nucleic",
            day=timezone.localdate(now),
            starts_at=now,
            ends_at=now + timedelta(hours=2),
            slots=[services.SlotSpec(world.site, now + timedelta(hours=1), now + timedelta(hours=5))],
            by=world.office,
            repeat_days=2,
        )
    messages = " ".join(exc.value.messages)
    assert "不在本批次的采样时间内" in messages or "采样时间" in messages
    assert "重复" in messages
    assert not Member.objects.exists()


def test_three_passes_into_one_pooled_tube_then_refusals(world):
    round = world.round(category_code="")
    a, b, c = world.uni.students
    for student in (a, b, c):
        done = services.sample_record(
            round=round, place=world.site, tube_number="hg0001", capacity=10, text=world.pass_for(student), by=world.sampler
        )
        assert done.created and done.sample.how == Sample.How.PASS
    tube = Tube.objects.get(number="HG0001")
    assert tube.size == 3 and tube.round == round and tube.capacity == 10
    # the same person again: their sampling, nothing new
    again = services.sample_record(
        round=round, place=world.site, tube_number="HG0002", capacity=10, text=a.student_number, by=world.sampler
    )
    assert not again.created and again.sample.tube == tube
    # typed number into a single tube
    other = world.uni.other_students[0]
    typed = services.sample_record(round=round, place=world.site, tube_number="S1", capacity=1, text=other.student_number, by=world.sampler)
    assert typed.sample.how == Sample.How.TYPED
    with pytest.raises(ValidationError, match="已满"):
        services.sample_record(
            round=round, place=world.site, tube_number="S1", capacity=1, text=world.uni.other_students[1].student_number, by=world.sampler
        )
    with pytest.raises(ValidationError, match="通行码无效"):
        services.sample_record(round=round, place=world.site, tube_number="HG0003", capacity=10, text="FX1.abc.def", by=world.sampler)
    with pytest.raises(ValidationError, match="不在本批次"):
        services.sample_record(round=round, place=world.site, tube_number="HG0003", capacity=10, text="0000", by=world.sampler)
    assert Member.objects.filter(round=round, sampled_at__isnull=False).count() == 4


def test_sampling_outside_the_window_site_or_post_is_refused(world):
    now = timezone.now()
    round = world.round(start=now - timedelta(hours=3), end=now - timedelta(hours=1))
    student = world.uni.students[0]
    with pytest.raises(ValidationError, match="不在本批次的采样时间内"):
        services.sample_record(round=round, place=world.site, tube_number="T1", capacity=10, text=student.student_number, by=world.sampler)
    open_round = world.round(name="开放中")
    with pytest.raises(ValidationError, match="不是本批次的采样点"):
        services.sample_record(
            round=open_round, place=world.uni.building, tube_number="T1", capacity=10, text=student.student_number, by=world.sampler
        )
    with pytest.raises(ValidationError, match="采样人员"):
        services.sample_record(
            round=open_round, place=world.site, tube_number="T1", capacity=10, text=student.student_number, by=world.office
        )
    services.sample_record(round=open_round, place=world.site, tube_number="T1", capacity=10, text=student.student_number, by=world.sampler)
    later = world.round(name="另一批次")
    with pytest.raises(ValidationError, match="另一检测批次"):
        services.sample_record(round=later, place=world.site, tube_number="T1", capacity=10, text=student.student_number, by=world.sampler)
    assert not Sample.objects.filter(round__in=[round, later]).exists()


def _pooled(world, round, number="HG0001"):
    for student in world.uni.students:
        services.sample_record(
            round=round, place=world.site, tube_number=number, capacity=10, text=student.student_number, by=world.sampler
        )
    return Tube.objects.get(number=number)


def test_abnormal_pooled_tube_lists_everyone_and_notifies_office_and_one_to_one_once(world):
    round = world.round()
    tube = _pooled(world, round)
    single = world.uni.other_students[0]
    services.sample_record(round=round, place=world.site, tube_number="S9", capacity=1, text=single.student_number, by=world.sampler)
    mapping = world.mapping()
    data = [[1, "hg0001", "异常", "2026-12-05"], [2, "S9", "阴性", "2026-12-05"], [3, "S9", "阴性", ""]]
    upload = lab_file(data)
    raw = upload.getvalue()
    report = ResultImporter(user=world.office, round=round, mapping=mapping).run(upload)
    assert report.ok, [str(e) for e in report.errors]
    assert report.updated == 2 and "第 5 行与第 4 行重复，只计一次。" in report.notes
    tube.refresh_from_db()
    assert tube.result == Result.ABNORMAL
    assert tube.incident_url.startswith("/incidents/")  # the incidents app opened one for the tube
    assert set(Sample.objects.filter(tube=tube).values_list("result", flat=True)) == {Result.ABNORMAL}
    notified = set(Notification.objects.filter(kind="screening.abnormal").values_list("user__username", flat=True))
    assert {world.office.username, world.uni.counselor_user.username} <= notified
    note = Notification.objects.filter(kind="screening.abnormal", user=world.office).get()
    assert all(s.name in note.body for s in world.uni.students)
    # the same file again: recognised, nothing changes, nobody notified twice
    again = ResultImporter(user=world.office, round=round, mapping=mapping).run(same_file(raw))
    assert again.ok and again.updated == 0
    assert Notification.objects.filter(kind="screening.abnormal", user=world.office).count() == 1
    assert ResultImport.objects.filter(round=round).count() == 1


def test_bad_result_rows_are_named_and_nothing_is_saved(world):
    round = world.round()
    _pooled(world, round)
    other_round = world.round(name="别的批次")
    services.sample_record(
        round=other_round,
        place=world.site,
        tube_number="X1",
        capacity=10,
        text=world.uni.other_students[0].student_number,
        by=world.sampler,
    )
    data = [
        [1, "HG0001", "阳性", ""],
        [2, "NOPE", "阴性", ""],
        [3, "X1", "阴性", ""],
        [4, "HG0001", "阴性", ""],
        [5, "HG0001", "看不懂", ""],
    ]
    report = ResultImporter(user=world.office, round=round, mapping=world.mapping()).run(lab_file(data))
    text = [str(e) for e in report.errors]
    assert any("第 4 行" in t and "NOPE" in t for t in text), text
    assert any("第 5 行" in t and "另一检测批次" in t for t in text)
    assert any("第 6 行" in t and "第 3 行" in t for t in text)
    assert any("第 7 行" in t and "看不懂" in t for t in text)
    assert Tube.objects.get(number="HG0001").result == Result.PENDING
    assert not Notification.objects.filter(kind="screening.abnormal").exists()


def test_results_by_id_number_in_the_labs_columns(world):
    round = world.round()
    _pooled(world, round)
    a = world.uni.students[0]
    mapping = world.mapping(key_kind=LabMapping.Key.ID_NUMBER, key_header="证件号", result_header="结果判定")
    upload = lab_file([[1, a.id_number, "阳性"]], headers=("序号", "证件号", "结果判定"))
    report = ResultImporter(user=world.office, round=round, mapping=mapping).run(upload)
    assert report.ok, [str(e) for e in report.errors]
    assert Sample.objects.get(member__student=a).result == Result.POSITIVE
    assert Notification.objects.filter(kind="screening.abnormal", user=world.office).exists()
    unknown = lab_file([[1, "11010519491231002X", "阴性"]], headers=("序号", "证件号", "结果判定"))
    report = ResultImporter(user=world.office, round=round, mapping=mapping).run(unknown)
    assert not report.ok and "没有这个身份证号" in str(report.errors[0]) or "身份证号" in str(report.errors[0])


def test_coverage_lists_the_missing_by_name_in_scope(world):
    round = world.round()
    a = world.uni.students[0]
    services.sample_record(round=round, place=world.site, tube_number="T1", capacity=10, text=a.student_number, by=world.sampler)
    cov = selectors.coverage(world.office, round)
    assert (cov.expected, cov.sampled) == (len(world.students), 1)
    assert {m.student_id for m in cov.missing} == {s.pk for s in world.students[1:]}
    assert {g.name for g in cov.by_unit} == {world.uni.college.name, world.uni.other_college.name}
    mine = selectors.coverage(world.uni.counselor_user, round)
    assert mine.expected == len(world.uni.students) + 0 and all(
        m.student.klass_id == world.uni.klass.pk for m in mine.missing if m.student_id
    )


def test_missing_become_tasks_of_the_one_to_one_staff_closed_by_sampling(world):
    now = timezone.now()
    round = world.round(start=now - timedelta(hours=2), end=now + timedelta(hours=1))
    a, b, _c = world.uni.students
    services.sample_record(round=round, place=world.site, tube_number="T1", capacity=10, text=a.student_number, by=world.sampler)
    deadlines.plan(now)
    deadlines.plan(now)  # a second consumer plans nothing more
    open_ = Deadline.objects.filter(kind=services.MISSING_KIND).open()
    assert open_.count() == len(world.students) - 1
    tick(now=now, kinds=[services.MISSING_KIND])
    assert Notification.objects.filter(user=world.uni.counselor_user, kind__startswith="screening.missing").exists()
    member_b = Member.objects.get(round=round, student=b)
    services.sample_record(round=round, place=world.site, tube_number="T1", capacity=10, text=b.student_number, by=world.sampler)
    assert not Deadline.objects.of(member_b).open().exists()


def test_a_repeating_schedule_makes_its_next_round_once(world):
    now = timezone.now()
    first = world.round(
        start=now - timedelta(days=2),
        end=now - timedelta(days=2) + timedelta(hours=2),
        repeat_days=2,
        repeat_until=timezone.localdate() + timedelta(days=4),
    )
    assert services.spawn_due_rounds(now) == 1
    assert services.spawn_due_rounds(now) == 0
    second = Round.objects.get(previous=first)
    assert second.day == first.day + timedelta(days=2) and second.expected == len(world.students)
    assert second.slots.get().starts_at == first.slots.get().starts_at + timedelta(days=2)


def test_history_per_person(world):
    round = world.round()
    a = world.uni.students[0]
    services.sample_record(round=round, place=world.site, tube_number="T1", capacity=10, text=a.student_number, by=world.sampler)
    rows = selectors.history(world.office, student=a)
    assert [r.round_id for r in rows] == [round.pk] and rows[0].sample.tube.number == "T1"
    assert selectors.my_next(world.uni.student_user).round == round
