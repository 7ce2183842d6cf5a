"""Meals: a canteen's daily report (checked, corrected by sending again), a student's rating
once per meal, complaints answered by the logistics office, and who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from fangxian.care import services
from fangxian.care.models import CanteenReport, MealRating
from fangxian.testing import api_client

pytestmark = pytest.mark.django_db


def report(care, **values):
    data = {"windows_open": 8, "meals_served": 900, "samples_kept": True, "staff_checked": 30, "staff_unwell": 0, "note": ""}
    data.update(values)
    return services.canteen_report_submit(canteen=care.canteen, day=values.pop("day", care.today), by=care.canteen_user, **data)


def test_a_canteen_report_is_checked_and_sending_again_corrects_it(care):
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as exc:
            report(care, samples_kept=False, staff_checked=3, staff_unwell=5, windows_open=-1)
        errors = exc.value.message_dict
        assert set(errors) == {"windows_open", "staff_unwell", "note"}
        assert "多于晨检人数" in errors["staff_unwell"][0]
        with pytest.raises(ValidationError) as exc:
            services.canteen_report_submit(
                canteen=care.canteen,
                day=care.today + timedelta(days=1),
                by=None,
                windows_open=1,
                meals_served=1,
                samples_kept=True,
                staff_checked=1,
            )
        assert "晚于今天" in exc.value.message_dict["day"][0]
    assert CanteenReport.objects.count() == 0
    first = report(care)
    second = report(care, meals_served=950)
    assert first.pk == second.pk and second.revision == 2 and CanteenReport.objects.get().meals_served == 950


def test_a_student_rates_each_meal_once(care, client):
    student = care.uni.students[0]
    services.meal_rate(student=student, canteen=care.canteen, day=care.today, meal="lunch", score=4)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.meal_rate(student=student, canteen=care.other_canteen, day=care.today, meal="lunch", score=2)
    assert "每餐只能评价一次" in exc.value.message_dict["meal"][0]
    with pytest.raises(ValidationError) as exc:
        services.meal_rate(student=student, canteen=care.canteen, day=care.today, meal="brunch", score=9)
    assert set(exc.value.message_dict) == {"meal", "score"}
    assert MealRating.objects.count() == 1
    # On the page and in the API, the same answer.
    client.force_login(care.uni.student_user)
    page = client.post(reverse("care:meals"), {"canteen": care.canteen.pk, "meal": "lunch", "score": 5})
    assert page.status_code == 400 and "每餐只能评价一次" in page.content.decode()
    ok = client.post(reverse("care:meals"), {"canteen": care.canteen.pk, "meal": "dinner", "score": 2, "comment": "菜凉了"})
    assert ok.status_code == 302
    twice = api_client(care.uni.student_user).post(
        "/api/v1/care/ratings/", {"canteen": care.canteen.pk, "meal": "dinner", "score": 3}, format="json"
    )
    assert twice.status_code == 400 and "每餐只能评价一次" in twice.content.decode()
    dinner = MealRating.objects.get(meal="dinner")
    assert dinner.is_complaint  # two stars is a complaint for the logistics office


def test_the_logistics_office_sees_ratings_per_canteen_and_day_and_answers_complaints(care, client):
    uni = care.uni
    report(care)
    services.meal_rate(student=uni.students[0], canteen=care.canteen, day=care.today, meal="lunch", score=1, comment="米饭夹生")
    services.meal_rate(student=uni.students[1], canteen=care.canteen, day=care.today, meal="lunch", score=5)
    rating = MealRating.objects.get(score=1)
    client.force_login(care.logistics_user)
    page = client.get(reverse("care:canteens")).content.decode()
    assert "米饭夹生" in page and uni.students[0].name in page and "第二食堂" in page
    row = page.split(f'data-canteen="{care.canteen.pk}" data-day="{care.today.isoformat()}"')[1].split("</tr>")[0]
    assert ">2<" in row and ">3.0<" in row  # two ratings, average 3.0
    assert client.post(reverse("care:complaint_answer", args=[rating.pk]), {"reply": "已向厨师反馈"}).status_code == 302
    rating.refresh_from_db()
    assert rating.reply == "已向厨师反馈" and rating.replied_by == care.logistics_user
    student = client.__class__()
    student.force_login(uni.student_user)
    assert "已向厨师反馈" in student.get(reverse("care:meals")).content.decode()


def test_a_canteen_manager_reports_for_their_canteen_only_and_sees_no_names(care, client):
    services.meal_rate(student=care.uni.students[0], canteen=care.canteen, day=care.today, meal="lunch", score=1, comment="太咸")
    client.force_login(care.canteen_user)
    url = reverse("care:canteen_report", args=[care.canteen.pk])
    response = client.post(
        url, {"day": care.today.isoformat(), "windows_open": 6, "meals_served": 700, "samples_kept": "no", "staff_checked": 20}
    )
    assert response.status_code == 400 and "未按要求留样" in response.content.decode()
    response = client.post(
        url,
        {
            "day": care.today.isoformat(),
            "windows_open": 6,
            "meals_served": 700,
            "samples_kept": "yes",
            "staff_checked": 20,
            "staff_unwell": 0,
        },
    )
    assert response.status_code == 302 and CanteenReport.objects.get().windows_open == 6
    assert client.get(reverse("care:canteen_report", args=[care.other_canteen.pk])).status_code == 404
    page = client.get(reverse("care:canteens")).content.decode()
    assert "太咸" in page and care.uni.students[0].name not in page  # complaints without the student's name
    assert "第二食堂" not in page
    rating = MealRating.objects.get()
    assert client.post(reverse("care:complaint_answer", args=[rating.pk]), {"reply": "x"}).status_code == 403
    # A student sees their own ratings only.
    other = api_client(care.uni.students[1].user or care.uni.student_user).get("/api/v1/care/ratings/").json()["results"]
    assert [r["id"] for r in other] == [rating.pk]


def test_the_college_daily_report_is_prefilled_with_its_students_meals(care):
    from fangxian.care.providers import with_meal_fields
    from fangxian.reports.models import ReportForm
    from fangxian.reports.prefill import prefill_values
    from fangxian.reports.schema import check_schema

    services.meal_rate(student=care.uni.students[0], canteen=care.canteen, day=care.today, meal="lunch", score=1, comment="凉")
    services.meal_rate(student=care.uni.students[1], canteen=care.canteen, day=care.today, meal="lunch", score=4)
    services.meal_rate(student=care.uni.other_students[0], canteen=care.canteen, day=care.today, meal="lunch", score=5)
    schema = with_meal_fields(ReportForm.objects.get(code="college-daily").version_for(care.today).schema)
    check_schema(schema)
    assert with_meal_fields(schema) == schema  # adding twice adds nothing
    assert prefill_values(schema, care.uni.college, care.today)["catering"] == {"rated": 2, "low_rated": 1}
    assert prefill_values(schema, care.uni.other_college, care.today)["catering"] == {"rated": 1, "low_rated": 0}
