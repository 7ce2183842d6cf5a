from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.reports import services
from fangxian.reports.models import FormVersion, Submission, SubmissionRevision


def save(rep, user=None, day=None, now=None, **kwargs):
    payload = rep.zero_report()
    payload.update(kwargs)
    return services.submission_save(
        user=user or rep.uni.college_admin_user,
        form=rep.form,
        unit=rep.uni.college,
        day=day or timezone.localdate(),
        now=now or rep.at(8),
        **payload,
    )


def test_zero_report_is_a_real_submission_on_time(rep):
    sub = save(rep)
    assert sub.status == Submission.Status.SUBMITTED
    assert sub.is_zero and not sub.is_late
    assert sub.data == {"headcount": {"total": 3, "male": 3, "female": 0}}
    assert sub.revisions.count() == 1


def test_after_the_deadline_the_report_is_late_and_a_revision_does_not_change_that(rep):
    early = save(rep, now=rep.at(9, 59))
    assert not early.is_late
    revised = save(
        rep,
        now=rep.at(11),
        zero_sections=["catering", "mood", "other"],
        data={**rep.zero_report()["data"], "safety": {"incidents": 1, "details": "宿舍楼停电"}},
    )
    assert not revised.is_late and revised.revision_count == 2
    assert [r.number for r in revised.revisions.all()] == [1, 2]
    assert SubmissionRevision.objects.get(submission=revised, number=1).zero_sections == ["safety", "catering", "mood", "other"]


def test_late_first_submit(rep):
    assert save(rep, now=rep.at(10, 1)).is_late


def test_double_submit_changes_nothing(rep):
    first = save(rep)
    second = save(rep)
    assert first.pk == second.pk
    assert Submission.objects.count() == 1 and SubmissionRevision.objects.count() == 1


def test_the_same_day_from_two_tabs_is_one_submission(rep):
    save(rep, submit=False, zero_sections=[], data={"headcount": {"total": 3, "male": 3, "female": 0}})
    save(rep)
    assert Submission.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        ({"headcount": {"total": -1, "male": -1, "female": 0}}, "headcount.total", "不能小于"),
        ({"headcount": {"total": 3, "male": 1, "female": 1}}, "headcount.total", "合计"),
        ({"headcount": {"total": "三", "male": 3, "female": 0}}, "headcount.total", "整数"),
        ({"headcount": {"total": 3, "male": 3}}, "headcount.female", "必填"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(rep, data, where, words):
    with pytest.raises(ValidationError) as caught:
        save(rep, data=data, reasons={"headcount.total": "核对", "headcount.male": "核对", "headcount.female": "核对"})
    messages = caught.value.message_dict[where]
    assert any(words in m for m in messages), messages
    assert "在校学生人数" in messages[0]
    assert not Submission.objects.exists()


def test_a_figure_that_differs_from_the_ledger_needs_a_reason(rep):
    with pytest.raises(ValidationError) as caught:
        save(rep, data={"headcount": {"total": 4, "male": 4, "female": 0}})
    assert "3" in caught.value.message_dict["headcount.total"][0]
    sub = save(
        rep,
        data={"headcount": {"total": 4, "male": 4, "female": 0}},
        reasons={"headcount.total": "一名学生今日返校", "headcount.male": "同上"},
    )
    assert sub.reasons == {"headcount.total": "一名学生今日返校", "headcount.male": "同上"}


def test_the_headcount_section_cannot_be_marked_nothing_unusual(rep):
    with pytest.raises(ValidationError) as caught:
        save(rep, zero_sections=["headcount", "safety"])
    assert "headcount" in caught.value.message_dict


def test_yes_needs_details(rep):
    data = {**rep.zero_report()["data"], "catering": {"problem": {"answer": True, "details": ""}}}
    with pytest.raises(ValidationError) as caught:
        save(rep, data=data, zero_sections=["safety", "mood", "other"])
    assert "catering.problem" in caught.value.message_dict


def test_unit_outside_scope_is_refused_without_a_hint(rep):
    with pytest.raises(ValidationError) as caught:
        services.submission_save(
            user=rep.uni.college_admin_user,
            form=rep.form,
            unit=rep.uni.other_college,
            day=timezone.localdate(),
            now=rep.at(8),
            **rep.zero_report(),
        )
    assert "不存在或不是你负责报送的单位" in caught.value.message_dict["unit"][0]
    assert not Submission.objects.exists()


def test_a_counselor_cannot_report_for_the_college(rep):
    with pytest.raises(ValidationError):
        save(rep, user=rep.uni.counselor_user)


def test_future_day_is_refused(rep):
    with pytest.raises(ValidationError) as caught:
        save(rep, day=timezone.localdate() + timedelta(days=1))
    assert "将来" in caught.value.message_dict["day"][0]
    assert not Submission.objects.exists()


def test_returned_revised_approved_locked_and_exception(rep, office):
    sub = save(rep)
    services.submission_return(user=office, submission=sub, comment="请核实人数")
    sub.refresh_from_db()
    assert sub.status == Submission.Status.RETURNED and sub.review_comment == "请核实人数"
    sub = save(rep, now=rep.at(12))
    assert sub.status == Submission.Status.SUBMITTED and sub.revision_count == 2 and not sub.is_late
    services.submission_approve(user=office, submission=sub)
    with pytest.raises(ValidationError) as caught:
        save(rep, data={"headcount": {"total": 2, "male": 2, "female": 0}}, reasons={"headcount.total": "x", "headcount.male": "x"})
    assert "锁定" in caught.value.messages[0]
    assert Submission.objects.get().revision_count == 2
    services.submission_grant_exception(user=office, submission=sub, reason="补充说明")
    sub = save(
        rep, data={"headcount": {"total": 2, "male": 2, "female": 0}}, reasons={"headcount.total": "一人离校", "headcount.male": "一人离校"}
    )
    assert sub.status == Submission.Status.SUBMITTED and sub.revision_count == 3 and not sub.edit_exception


def test_only_the_office_reviews(rep):
    sub = save(rep)
    with pytest.raises(ValidationError):
        services.submission_approve(user=rep.leader_user, submission=sub)


def test_old_submissions_keep_their_version(rep, office):
    yesterday = timezone.localdate() - timedelta(days=1)
    old = save(rep, day=yesterday)
    schema = FormVersion.objects.get(form=rep.form, number=1).schema
    schema = {
        "sections": [
            *schema["sections"],
            {
                "key": "vaccination",
                "title": "疫苗接种",
                "zero": False,
                "fields": [{"key": "doses", "label": "接种人次", "type": "integer", "required": True, "min": 0}],
            },
        ]
    }
    services.form_version_create(user=office, form=rep.form, definition=schema, valid_from=timezone.localdate(), note="增加疫苗接种")
    with pytest.raises(ValidationError) as caught:
        save(rep)
    assert "vaccination.doses" in caught.value.message_dict
    new = save(rep, data={**rep.zero_report()["data"], "vaccination": {"doses": 12}})
    assert new.version.number == 2
    old.refresh_from_db()
    assert old.version.number == 1
    # Revising yesterday's report still uses yesterday's questions.
    assert save(rep, day=yesterday, now=rep.at(9)).version.number == 1


def test_a_new_version_must_start_after_the_current_one(rep, office):
    with pytest.raises(ValidationError):
        services.form_version_create(
            user=office,
            form=rep.form,
            definition=rep.form.version_for(timezone.localdate()).schema,
            valid_from=rep.form.version_for(timezone.localdate()).valid_from,
        )


def test_schema_definitions_are_checked(office, rep):
    with pytest.raises(ValidationError) as caught:
        services.form_create(
            user=office,
            code="x",
            name="X",
            frequency="daily",
            deadline="10:00",
            unit_kinds=["college"],
            unit_codes=[],
            definition={"sections": [{"key": "a", "title": "A", "fields": [{"key": "n", "label": "N", "type": "money"}]}]},
            valid_from=timezone.localdate(),
        )
    assert "类型" in caught.value.messages[0]
