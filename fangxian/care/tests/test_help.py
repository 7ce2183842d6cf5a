"""Help requests: a student asks, the one-to-one staff is told and answers within the time
limit, or the request climbs the chain (counselor, college, office); the student reads the
answer; outside the scope it is not found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fangxian.care import services
from fangxian.care.models import HelpRequest
from fangxian.deadlines import services as deadlines
from fangxian.deadlines.models import Deadline
from fangxian.notify.models import Notification
from fangxian.testing import api_client

pytestmark = pytest.mark.django_db


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user, kind__startswith="care.").order_by("pk").values_list("kind", flat=True))


def test_a_request_goes_to_the_one_to_one_staff_and_escalates_until_answered(care, make_user):
    uni = care.uni
    office = make_user("office7", "prevention_office")
    asked_at = timezone.now()
    request = services.help_ask(student=uni.students[0], kind="meal", text="晚饭打不到了", now=asked_at)
    assert request.staff == uni.counselor and request.due_at == asked_at + timedelta(hours=1)
    assert kinds_of(uni.counselor_user) == ["care.help.asked"]
    deadline = Deadline.objects.get(kind=services.HELP_KIND, object_id=request.pk)
    assert deadline.due_at == request.due_at

    deadlines.tick(now=request.due_at - timedelta(minutes=5), kinds=[services.HELP_KIND])  # the reminder
    deadlines.tick(now=request.due_at + timedelta(minutes=31), kinds=[services.HELP_KIND])  # past the college's step
    assert kinds_of(uni.counselor_user) == ["care.help.asked", "care.help.remind"]
    assert kinds_of(uni.college_admin_user) == ["care.help.college"]  # the counselor's step was overtaken, not sent late
    assert kinds_of(office) == []

    services.help_answer(request=request, by=uni.counselor_user, answer="已联系食堂留饭", now=request.due_at + timedelta(minutes=40))
    deadlines.tick(now=request.due_at + timedelta(hours=3), kinds=[services.HELP_KIND])
    assert kinds_of(office) == []  # answered: no step to the office
    request.refresh_from_db()
    assert request.answered_by_name == uni.counselor.name and request.answered_in_time is False
    assert "care.help.answered" in kinds_of(uni.student_user)


def test_an_unanswered_request_reaches_the_office(care, make_user):
    office = make_user("office6", "prevention_office")
    request = services.help_ask(student=care.uni.students[0], kind="illness", text="发烧38度")
    assert request.due_at - request.created_at == timedelta(minutes=30)
    deadlines.tick(now=request.due_at + timedelta(hours=2, minutes=1), kinds=[services.HELP_KIND])
    assert kinds_of(office) == ["care.help.office"]


def test_the_same_submission_twice_is_one_request_and_bad_input_is_refused(care):
    student = care.uni.students[0]
    first = services.help_ask(student=student, kind="repair", text="水龙头漏水", token="t-1")
    again = services.help_ask(student=student, kind="repair", text="水龙头漏水", token="t-1")
    assert first.pk == again.pk and HelpRequest.objects.count() == 1
    with pytest.raises(ValidationError) as exc:
        services.help_ask(student=student, kind="pizza", text="  ")
    assert set(exc.value.message_dict) == {"kind", "text"}
    services.help_answer(request=first, by=care.uni.counselor_user, answer="明天维修")
    with pytest.raises(ValidationError):
        services.help_answer(request=first, by=care.uni.counselor_user, answer="again")
    assert HelpRequest.objects.get().answer == "明天维修"


def test_the_student_asks_on_the_page_and_reads_the_answer(care, client):
    uni = care.uni
    client.force_login(uni.student_user)
    page = client.get(reverse("care:ask")).content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    bad = client.post(reverse("care:ask"), {"kind": "talk", "text": "", "token": token})
    assert "请简单说明具体情况" in bad.content.decode() or "必填" in bad.content.decode()
    assert client.post(reverse("care:ask"), {"kind": "talk", "text": "想找老师聊聊", "token": token}).status_code == 302
    assert client.post(reverse("care:ask"), {"kind": "talk", "text": "想找老师聊聊", "token": token}).status_code == 302
    request = HelpRequest.objects.get()  # the double tap made one request
    other = client.__class__()
    other.force_login(uni.other_counselor_user)
    assert other.get(reverse("care:help", args=[request.pk])).status_code == 404
    assert other.post(reverse("care:help_answer", args=[request.pk]), {"answer": "x"}).status_code == 404
    counselor = client.__class__()
    counselor.force_login(uni.counselor_user)
    assert "想找老师聊聊" in counselor.get(reverse("care:help_list")).content.decode()
    assert counselor.post(reverse("care:help_answer", args=[request.pk]), {"answer": "今晚八点来办公室"}).status_code == 302
    assert "今晚八点来办公室" in client.get(reverse("care:ask")).content.decode()
    assert client.get(reverse("care:help_list")).status_code == 403


def test_the_api_asks_and_answers(care):
    uni = care.uni
    response = api_client(uni.student_user).post("/api/v1/care/help/", {"kind": "meal", "text": "午饭太少", "token": "a1"}, format="json")
    assert response.status_code == 201
    pk = response.json()["id"]
    assert api_client(uni.other_counselor_user).post(f"/api/v1/care/help/{pk}/answer/", {"answer": "x"}, format="json").status_code == 404
    answered = api_client(uni.counselor_user).post(f"/api/v1/care/help/{pk}/answer/", {"answer": "已加量"}, format="json")
    assert answered.status_code == 200 and answered.json()["answer"] == "已加量"
    mine = api_client(uni.student_user).get("/api/v1/care/help/").json()["results"]
    assert [r["answer"] for r in mine] == ["已加量"]
    assert api_client(uni.counselor_user).post("/api/v1/care/help/", {"kind": "meal", "text": "x"}, format="json").status_code == 403
