"""The two trees: browse, lazy children with counts, create, rename, move, archive,
restore, delete, history, search."""

import pytest
from django.urls import reverse

from fangxian.org.models import Place, Unit
from fangxian.org.testing import UnitFactory


@pytest.fixture
def office_client(uni, office, login):
    return login(office)


def test_office_browses_from_the_roots_and_children_load_with_counts(uni, office_client):
    html = office_client.get(reverse("org:unit_tree")).content.decode()
    assert uni.institution.name in html
    assert f"children-unit-{uni.institution.pk}" in html
    partial = office_client.get(reverse("org:unit_children", args=[uni.college.pk]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    text = partial.content.decode()
    assert "<html" not in text and uni.major.name in text
    assert "3 名学生" in text  # the three students of 临床2021级1班, counted under the major


def test_place_children_count_beds_in_use(uni, office_client):
    text = office_client.get(reverse("org:place_children", args=[uni.building.pk])).content.decode()
    assert "3 / 4" in text and "2 / 4" in text  # room 101: three of four beds, room 102: two


def test_counselor_tree_starts_at_their_grade(uni, login):
    client = login(uni.counselor_user)
    html = client.get(reverse("org:unit_tree")).content.decode()
    assert uni.grade.name in html and uni.college.name not in html
    assert client.get(reverse("org:unit_detail", args=[uni.college.pk])).status_code == 404


def test_search_by_name_shows_the_path(uni, office_client):
    html = office_client.get(reverse("org:unit_tree"), {"q": "临床2021"}).content.decode()
    assert uni.klass.name in html and "医学院 / 临床医学 / 2021级" in html


def test_create_a_major_under_a_college(uni, office_client):
    response = office_client.post(
        reverse("org:unit_create"), {"parent": uni.college.pk, "name": "护理学", "kind": "major", "sort_order": 0}
    )
    major = Unit.objects.get(name="护理学")
    assert response.status_code == 302 and major.parent == uni.college
    assert major.path == f"{uni.college.path}{major.pk}/"


def test_create_offers_only_kinds_that_fit_the_parent(uni, office_client):
    html = office_client.get(reverse("org:unit_create"), {"parent": uni.grade.pk}).content.decode()
    assert 'value="class"' in html and 'value="major"' not in html


def test_rename_keeps_the_node_and_records_history(uni, office_client):
    office_client.post(reverse("org:unit_edit", args=[uni.klass.pk]), {"name": "临床一班", "code": "LC1", "sort_order": 0})
    uni.klass.refresh_from_db()
    assert (uni.klass.name, uni.klass.code) == ("临床一班", "LC1")
    history = office_client.get(reverse("org:unit_history", args=[uni.klass.pk])).content.decode()
    rows = history.split('data-testid="history"')[1]
    assert "临床2021级1班 → 临床一班" in rows


def test_move_a_grade_to_another_major_rewrites_the_subtree(uni, office_client):
    uni.grade.name = "2022级"  # the other major already has a 2021级
    uni.grade.save()
    response = office_client.post(reverse("org:unit_move", args=[uni.grade.pk]), {"parent": uni.other_major.pk})
    assert response.status_code == 302
    uni.klass.refresh_from_db()
    assert uni.klass.path == f"{uni.other_major.path}{uni.grade.pk}/{uni.klass.pk}/"
    assert uni.klass.depth == 5


def test_move_refuses_a_duplicate_name_under_the_new_parent(uni, office_client):
    response = office_client.post(reverse("org:unit_move", args=[uni.grade.pk]), {"parent": uni.other_major.pk})
    assert response.status_code == 200
    uni.grade.refresh_from_db()
    assert uni.grade.parent == uni.major


def test_move_refuses_a_cycle_in_chinese(uni, office_client):
    response = office_client.post(reverse("org:unit_move", args=[uni.major.pk]), {"parent": uni.grade.pk})
    assert response.status_code == 200
    assert "不能移到它自己或它的下级之下" in response.content.decode()
    uni.major.refresh_from_db()
    assert uni.major.parent == uni.college


def test_move_refuses_a_wrong_kind_in_chinese(uni, office_client):
    response = office_client.post(reverse("org:unit_move", args=[uni.klass.pk]), {"parent": uni.college.pk})
    assert "班级不能放在学院之下" in response.content.decode()
    uni.klass.refresh_from_db()
    assert uni.klass.parent == uni.grade


def test_archive_refuses_enrolled_students_then_archives_an_empty_branch(uni, office_client):
    office_client.post(reverse("org:unit_archive", args=[uni.klass.pk]))
    uni.klass.refresh_from_db()
    assert not uni.klass.is_archived
    empty = UnitFactory(kind="class", name="临床2021级2班", parent=uni.grade)
    office_client.post(reverse("org:unit_archive", args=[empty.pk]))
    empty.refresh_from_db()
    assert empty.is_archived
    assert empty.name not in office_client.get(reverse("org:unit_children", args=[uni.grade.pk])).content.decode()
    office_client.post(reverse("org:unit_restore", args=[empty.pk]))
    empty.refresh_from_db()
    assert not empty.is_archived


def test_delete_in_use_says_why_and_offers_archive(uni, office_client):
    response = office_client.post(reverse("org:place_delete", args=[uni.room.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="in-use"' in html
    assert reverse("org:place_archive", args=[uni.room.pk]) in html
    assert Place.objects.filter(pk=uni.room.pk).exists()


def test_delete_an_unused_node_and_its_subtree(uni, office_client):
    room = Place.objects.create(kind="room", name="301", parent=uni.building, institution=uni.institution)
    bed = Place.objects.create(kind="bed", name="1号床", parent=room, institution=uni.institution)
    response = office_client.post(reverse("org:place_delete", args=[room.pk]))
    assert response.status_code == 302
    assert not Place.objects.filter(pk__in=[room.pk, bed.pk]).exists()


def test_detail_shows_who_was_responsible_on_a_past_day(uni, office_client):
    html = office_client.get(reverse("org:unit_detail", args=[uni.grade.pk]), {"on": "2021-06-01"}).content.decode()
    in_force = html.split('data-testid="in-force"')[1].split("</ul>")[0]
    assert uni.counselor.name not in in_force
    html = office_client.get(reverse("org:unit_detail", args=[uni.grade.pk]), {"on": "2022-06-01"}).content.decode()
    assert uni.counselor.name in html.split('data-testid="in-force"')[1].split("</ul>")[0]


def test_readers_cannot_change_the_tree(uni, make_user, login):
    inspector = login(make_user("insp", "discipline"))
    assert inspector.get(reverse("org:unit_detail", args=[uni.klass.pk])).status_code == 200
    assert inspector.post(reverse("org:unit_edit", args=[uni.klass.pk]), {"name": "x"}).status_code == 403
    assert inspector.post(reverse("org:unit_archive", args=[uni.klass.pk])).status_code == 403
