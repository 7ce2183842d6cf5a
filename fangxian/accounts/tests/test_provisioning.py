"""Accounts from people: selection, all-or-nothing creation, skips, slips, scope."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from fangxian.accounts import initial_passwords
from fangxian.accounts.models import ProvisionBatch, User
from fangxian.accounts.provisioning import ProvisionError, Selection, plan, provision
from fangxian.audit.models import SecurityEvent
from fangxian.org.models import AssignmentRole, Student
from fangxian.org.testing import StaffFactory, StudentFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def counselors(uni):
    """Two counselors of the medical college without accounts, and one of the other college."""
    people = [StaffFactory(unit=uni.college, staff_number=f"C{n:03d}") for n in range(2)]
    for person in people:
        uni.assign(person, AssignmentRole.COUNSELOR, unit=uni.klass)
    other = StaffFactory(unit=uni.other_college, staff_number="C900")
    uni.assign(other, AssignmentRole.COUNSELOR, unit=uni.other_klass)
    return people, other


def slips_of(batch: ProvisionBatch) -> dict[str, list[str]]:
    return {row[2]: row for row in batch.read_slips()}


def test_a_colleges_counselors_get_accounts_that_must_change_their_password(uni, secadmin, counselors):
    people, other = counselors
    batch = provision(admin=secadmin, selection=Selection(unit=uni.college, role=AssignmentRole.COUNSELOR))
    assert batch.created_count == 2
    slips = slips_of(batch)
    assert set(slips) == {"C000", "C001"}
    for person in people:
        person.refresh_from_db()
        user = person.user
        assert user.username == person.staff_number and user.full_name == person.name
        assert user.must_change_password
        name, unit, login, password = slips[person.staff_number]
        assert (name, unit) == (person.name, uni.college.name)
        assert identify_hasher(user.password).algorithm == initial_passwords.ALGORITHM
        assert password not in user.password and user.check_password(password)
    other.refresh_from_db()
    assert other.user is None
    # The existing counselor with an account is skipped, and says so.
    assert [s["number"] for s in batch.skipped] == [uni.counselor.staff_number]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.IMPORT, detail__what="accounts", detail__created=2).exists()


def test_the_slips_are_stored_only_encrypted(uni, secadmin, counselors):
    batch = provision(admin=secadmin, selection=Selection(unit=uni.college, role=AssignmentRole.COUNSELOR))
    password = slips_of(batch)["C000"][3]
    stored = bytes(ProvisionBatch.objects.get(pk=batch.pk).slips)
    assert password.encode() not in stored and b"C000" not in stored
    batch.wipe_slips()
    assert ProvisionBatch.objects.get(pk=batch.pk).read_slips() == []


def test_running_again_skips_everyone_who_has_an_account(uni, secadmin, counselors):
    selection = Selection(unit=uni.college, role=AssignmentRole.COUNSELOR)
    provision(admin=secadmin, selection=selection)
    again = provision(admin=secadmin, selection=selection)
    assert again.created_count == 0
    assert {s["number"] for s in again.skipped} == {"C000", "C001", uni.counselor.staff_number}
    assert {s["reason"] for s in again.skipped} == {"已有账号"}


def test_graduated_students_and_leavers_are_skipped(uni, secadmin):
    graduated = StudentFactory(klass=uni.klass, status=Student.Status.GRADUATED)
    leaver = StaffFactory(unit=uni.college, is_active=False)
    batch = provision(admin=secadmin, selection=Selection(unit=uni.college))
    reasons = {s["number"]: s["reason"] for s in batch.skipped}
    assert reasons[graduated.student_number] == reasons[leaver.staff_number] == "已离职或已毕业"
    graduated.refresh_from_db()
    assert graduated.user is None
    # The students of the class without an account got one.
    assert Student.objects.filter(klass=uni.klass, user__isnull=False).count() == 3


def test_two_people_with_the_same_number_refuse_the_whole_batch(uni, secadmin):
    StaffFactory(unit=uni.college, staff_number=uni.students[1].student_number)
    before = User.objects.count()
    with pytest.raises(ProvisionError) as refused:
        provision(admin=secadmin, selection=Selection(unit=uni.college))
    assert any(uni.students[1].student_number in e and "两人" in e for e in refused.value.errors)
    assert User.objects.count() == before
    assert not ProvisionBatch.objects.exists()


def test_a_login_taken_by_another_account_refuses_the_batch(uni, secadmin, make_user):
    make_user(uni.students[1].student_number.lower())
    before = User.objects.count()
    with pytest.raises(ProvisionError) as refused:
        provision(admin=secadmin, selection=Selection(unit=uni.klass))
    assert any("另一个账号" in e for e in refused.value.errors)
    assert User.objects.count() == before


def test_a_list_with_a_number_nobody_has_is_refused_with_its_row(uni, secadmin):
    selection = Selection(numbers=[(1, uni.students[1].student_number), (2, "NOBODY99")])
    with pytest.raises(ProvisionError) as refused:
        provision(admin=secadmin, selection=selection)
    assert refused.value.errors == ["第 2 行：您的范围内没有学号或工号为 NOBODY99 的人员。"]
    assert Student.objects.get(pk=uni.students[1].pk).user is None


def test_people_of_another_institution_are_outside_the_admins_scope(uni, secadmin, client, verified_client):
    # The security admin is a member of staff of the first institution.
    StaffFactory(unit=uni.security_office, user=secadmin)
    elsewhere = UnitFactory(kind="institution", name="另一所学校")
    college = UnitFactory(kind="college", name="外校学院", parent=elsewhere)
    stranger = StaffFactory(unit=college, staff_number="X001")
    with pytest.raises(ProvisionError):
        provision(admin=secadmin, selection=Selection(numbers=[(1, "X001")]))
    assert plan(secadmin, Selection(unit=uni.institution)).create
    stranger.refresh_from_db()
    assert stranger.user is None
    # On the page the other institution's units are not even a choice.
    c = verified_client(secadmin)
    response = c.post(reverse("accounts:provision"), {"unit": college.pk, "people": "all", "create": "1"})
    assert response.status_code == 200
    assert not ProvisionBatch.objects.exists()
    assert str(college.pk) not in response.content.decode().split('name="unit"')[1].split("</select>")[0]


def test_the_page_creates_accounts_and_hands_out_xlsx_and_printable_slips(uni, secadmin, counselors, verified_client):
    c = verified_client(secadmin)
    response = c.post(reverse("accounts:provision"), {"unit": uni.college.pk, "people": "staff", "role": "counselor", "preview": "1"})
    assert response.status_code == 200 and "将开通 2 个账号" in response.content.decode()
    assert not ProvisionBatch.objects.exists()
    response = c.post(reverse("accounts:provision"), {"unit": uni.college.pk, "people": "staff", "role": "counselor", "create": "1"})
    batch = ProvisionBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("accounts:provision_batch", args=[batch.pk])
    slips = slips_of(batch)

    xlsx = c.get(reverse("accounts:provision_slips_xlsx", args=[batch.pk]))
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "单位", "账号", "初始密码", "登录地址")
    assert {r[2]: r[3] for r in rows[1:]} == {login: row[3] for login, row in slips.items()}
    assert rows[1][4].endswith(reverse("accounts:login"))

    page = c.get(reverse("accounts:provision_slips_print", args=[batch.pk])).content.decode()
    assert page.count('data-testid="slip"') == 2 and slips["C000"][3] in page and 'src="data:image/svg+xml' in page
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, detail__what="first-login slips").count() == 2

    c.post(reverse("accounts:provision_slips_wipe", args=[batch.pk]))
    assert c.get(reverse("accounts:provision_slips_xlsx", args=[batch.pk])).status_code == 404
    assert c.get(reverse("accounts:provision_slips_print", args=[batch.pk])).status_code == 404


def test_another_admins_batch_does_not_exist_for_you(uni, secadmin, make_user, counselors, verified_client):
    batch = provision(admin=secadmin, selection=Selection(unit=uni.college, role=AssignmentRole.COUNSELOR))
    other = make_user("secadmin2", "security_admin")
    c = verified_client(other)
    for name in ("accounts:provision_batch", "accounts:provision_slips_xlsx", "accounts:provision_slips_print"):
        assert c.get(reverse(name, args=[batch.pk])).status_code == 404


def test_a_refused_batch_shows_why_on_the_page_and_creates_nothing(uni, secadmin, verified_client):
    c = verified_client(secadmin)
    response = c.post(reverse("accounts:provision"), {"people": "all", "numbers": "NOBODY1\nNOBODY2", "create": "1"})
    text = response.content.decode()
    assert "第 1 行" in text and "NOBODY2" in text
    assert not ProvisionBatch.objects.exists()
    response = c.post(reverse("accounts:provision"), {"people": "all", "create": "1"})
    assert "请选择单位" in response.content.decode()


def test_an_uploaded_xlsx_of_numbers(uni, secadmin, verified_client):
    workbook = Workbook()
    workbook.active.append(["学号"])
    for student in uni.students[1:]:
        workbook.active.append([int(student.student_number)])  # typed as numbers in Excel
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    data.name = "numbers.xlsx"
    c = verified_client(secadmin)
    response = c.post(reverse("accounts:provision"), {"people": "all", "upload": data, "create": "1"})
    assert response.status_code == 302
    assert set(slips_of(ProvisionBatch.objects.get())) == {s.student_number for s in uni.students[1:]}


def test_one_account_from_the_user_page_and_editing_it(uni, secadmin, verified_client):
    c = verified_client(secadmin)
    number = uni.students[2].student_number
    response = c.post(reverse("accounts:admin_user_create"), {"number": number})
    batch = ProvisionBatch.objects.get()
    assert response.url == reverse("accounts:provision_batch", args=[batch.pk])
    user = User.objects.get(username=number)
    response = c.post(reverse("accounts:admin_user_edit", args=[user.pk]), {"full_name": "新名字", "email": "x@example.edu.cn"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.email) == ("新名字", "x@example.edu.cn")
    response = c.post(reverse("accounts:admin_user_edit", args=[user.pk]), {"full_name": "x", "email": "not-an-address"})
    assert response.status_code == 200 and User.objects.get(pk=user.pk).email == "x@example.edu.cn"


def test_signing_in_with_the_slip_forces_a_new_password(uni, secadmin, counselors, client):
    batch = provision(admin=secadmin, selection=Selection(unit=uni.college, role=AssignmentRole.COUNSELOR))
    password = slips_of(batch)["C000"][3]
    response = client.post(reverse("accounts:login"), {"username": "C000", "password": password})
    assert response.status_code == 302
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:password_change"))
    new = "Quiet-Meadow-Lantern-58"
    response = client.post(reverse("accounts:password_change"), {"old_password": password, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    user = User.objects.get(username="C000")
    assert not user.must_change_password
    assert identify_hasher(user.password).algorithm != initial_passwords.ALGORITHM
    assert client.get(reverse("web:home")).status_code == 200


def test_initial_passwords_hash_in_worker_processes_and_verify(monkeypatch):
    from fangxian.accounts.hashers import InitialPasswordHasher

    monkeypatch.setattr(initial_passwords, "POOL_THRESHOLD", 4)
    passwords = [initial_passwords.generate() for _ in range(12)]
    hashes = initial_passwords.hash_all(passwords, workers=2)
    assert len(set(hashes)) == 12
    hasher = InitialPasswordHasher()
    assert all(hasher.verify(p, h) for p, h in zip(passwords, hashes, strict=True))
    assert not hasher.verify(passwords[0], hashes[1])
    assert all(len(p) == 19 and any(c.isdigit() for c in p) for p in passwords)


def test_the_worker_process_hashes_what_it_is_given():
    import json
    import subprocess
    import sys

    from django.conf import settings

    from fangxian.accounts.hashers import InitialPasswordHasher

    items = [["abcd-efgh-jkmn-pq23", "saltsaltsalt1"], ["wxyz-2345-6789-abcd", "saltsaltsalt2"]]
    done = subprocess.run(
        [sys.executable, "-m", "fangxian.accounts.initial_passwords"],
        input=json.dumps(items).encode(),
        capture_output=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    hashes = json.loads(done.stdout)
    assert [h.split("$")[2] for h in hashes] == ["saltsaltsalt1", "saltsaltsalt2"]
    assert InitialPasswordHasher().verify("abcd-efgh-jkmn-pq23", hashes[0])


def test_slips_past_their_time_are_destroyed(uni, secadmin, counselors):
    from datetime import timedelta

    from django.utils import timezone

    from fangxian.accounts.provision_models import SLIPS_KEEP_HOURS, wipe_expired_slips

    old = provision(admin=secadmin, selection=Selection(unit=uni.college, role=AssignmentRole.COUNSELOR))
    ProvisionBatch.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=SLIPS_KEEP_HOURS, minutes=1))
    fresh = provision(admin=secadmin, selection=Selection(numbers=[(1, uni.students[1].student_number)]))
    assert wipe_expired_slips() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert bytes(old.slips) == b"" and old.slips_wiped_at is not None
    assert fresh.read_slips() and fresh.slips_wiped_at is None
