"""Photos of students and staff: what an upload must be, what is kept of it (an upright,
small JPEG without metadata under a random name), who may see and change it, and the
change log."""

from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import ExifTags, Image

from fangxian.org import photos, services
from fangxian.org.models import Staff, Student
from fangxian.org.testing import make_image, stored_files

pytestmark = pytest.mark.usefixtures("media_root")


def _exif_photo(size=(600, 400)) -> bytes:
    """A camera photo lying on its side (EXIF orientation 6) with a GPS position, a camera
    make and a JPEG comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (38.0, 56.0, 0.0)
    return make_image(size, exif=exif, comment=b"dorm 3-101")


def _noise_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((800, 800), 64).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


# -- cleaning an upload ---------------------------------------------------------------------


def test_exif_orientation_applied_and_every_piece_of_metadata_dropped():
    original = _open(_exif_photo())
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry a position
    cleaned = _open(photos.prepare(_exif_photo()))
    assert cleaned.format == "JPEG"
    assert cleaned.size == (320, 480)  # turned upright (600 × 400 lying on its side) and scaled to 480 px
    assert dict(cleaned.getexif()) == {}
    assert not {"exif", "comment", "xmp", "icc_profile"} & set(cleaned.info)


def test_small_photo_kept_at_its_size_and_transparency_on_white():
    cleaned = _open(photos.prepare(make_image((120, 160), "PNG", color=(0, 0, 0, 0))))
    assert cleaned.size == (120, 160) and cleaned.mode == "RGB"
    assert cleaned.getpixel((60, 80)) > (245, 245, 245)


def test_webp_accepted():
    assert _open(photos.prepare(make_image((200, 200), "WEBP"))).format == "JPEG"


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"", "empty", "空"),
        (b"Name,Number\n" * 50, "not_an_image", "不是 JPEG、PNG 或 WebP"),  # a text file renamed .jpg
        (make_image((300, 300), "GIF"), "not_an_image", "不是 JPEG、PNG 或 WebP"),
        (make_image((99, 400)), "too_small", "99 × 400"),
        (_noise_jpeg()[:20_000], "damaged", "损坏"),  # a truncated JPEG
    ],
    ids=["empty", "text", "gif", "too-small", "truncated"],
)
def test_bad_files_refused_with_a_chinese_reason(data, code, words):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        photos.prepare(data)
    assert caught.value.code == code
    assert words in caught.value.messages[0]


def test_too_large_file_refused_before_decoding():
    with pytest.raises(ValidationError) as caught:
        photos.prepare(b"\xff\xd8" + b"0" * photos.MAX_BYTES)
    assert caught.value.code == "too_large"


def test_decompression_bomb_refused():
    # 100 million pixels of one colour: a PNG of a few hundred kilobytes.
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < photos.MAX_BYTES
    with pytest.raises(ValidationError) as caught:
        photos.prepare(out.getvalue())
    assert caught.value.code == "too_many_pixels"


# -- storing ---------------------------------------------------------------------------------


def test_replacing_deletes_the_old_file_and_removing_deletes_the_last(uni, media_root, django_capture_on_commit_callbacks):
    student = uni.students[0]
    services.person_set_photo(person=student, photo=photos.prepare(make_image()))
    first = student.photo.name
    assert first.startswith("photos/") and first.endswith(".jpg") and len(first.rsplit("/", 1)[1]) == 36
    assert stored_files(media_root) == [first]
    with django_capture_on_commit_callbacks(execute=True):
        services.person_set_photo(person=student, photo=photos.prepare(make_image(color=(1, 2, 3))))
        second = Student.objects.get(pk=student.pk).photo.name
        assert second != first and stored_files(media_root) == [first, second] or stored_files(media_root) == [second, first]
    # The old file goes once the change is committed.
    assert stored_files(media_root) == [second]
    with django_capture_on_commit_callbacks(execute=True):
        services.person_set_photo(person=student, photo=None)
    assert Student.objects.get(pk=student.pk).photo.name == "" and stored_files(media_root) == []
    updates = LogEntry.objects.get_for_object(student).filter(action=LogEntry.Action.UPDATE).order_by("pk")
    changes = [entry.changes_dict["photo"] for entry in updates if "photo" in entry.changes_dict]
    assert changes == [["", first], [first, second], [second, ""]]


def test_bulk_inserts_that_leave_the_photo_out_store_none(uni):
    from django.db import connection

    from fangxian.org.imports import insert_rows

    now = connection.ops.adapt_datetimefield_value(uni.students[0].created_at)
    insert_rows(
        Student,
        ["institution_id", "student_number", "name", "gender", "klass_id", "status", "created_at", "id_number", "phone"],
        [(uni.institution.pk, "2099999999", "新生", "M", uni.klass.pk, "enrolled", now, "", "")],
    )
    assert not Student.objects.get(student_number="2099999999").photo


# -- pages -----------------------------------------------------------------------------------


def _upload(client, url, data: bytes, name="photo.jpg"):
    return client.post(url, {"photo": SimpleUploadedFile(name, data, content_type="image/jpeg")})


def test_college_admin_uploads_replaces_and_removes_a_student_photo(uni, login, media_root, django_capture_on_commit_callbacks):
    client = login(uni.college_admin_user)
    student = uni.students[0]
    detail = reverse("org:student_detail", args=[student.pk])
    html = client.get(detail).content.decode()
    assert 'data-testid="no-photo"' in html and 'data-testid="photo-form"' in html

    response = _upload(client, reverse("org:student_photo_upload", args=[student.pk]), _exif_photo())
    assert response.status_code == 302 and response["Location"] == detail
    student.refresh_from_db()
    html = client.get(detail).content.decode()
    assert reverse("org:student_photo", args=[student.pk]) in html and 'data-testid="photo-remove"' in html

    image = client.get(reverse("org:student_photo", args=[student.pk]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"
    assert "no-store" in image["Cache-Control"] and "private" in image["Cache-Control"]
    assert image["X-Content-Type-Options"] == "nosniff"
    body = b"".join(image.streaming_content)
    assert _open(body).size == (320, 480) and dict(_open(body).getexif()) == {}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("org:student_photo_remove", args=[student.pk]))
    assert response.status_code == 302
    assert not Student.objects.get(pk=student.pk).photo and stored_files(media_root) == []
    assert client.get(reverse("org:student_photo", args=[student.pk])).status_code == 404


def test_bad_upload_shows_the_reason_on_the_page_and_changes_nothing(uni, login, media_root):
    client = login(uni.college_admin_user)
    student = uni.students[0]
    response = _upload(client, reverse("org:student_photo_upload", args=[student.pk]), b"not a photo at all", name="2021001.jpg")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="photo-errors"' in html and "不是 JPEG、PNG 或 WebP 图片" in html
    assert student.name in html  # the person's page, with the error on the photo field
    response = _upload(client, reverse("org:student_photo_upload", args=[student.pk]), make_image((80, 80)))
    assert response.status_code == 400 and "80 × 80" in response.content.decode()
    response = client.post(reverse("org:student_photo_upload", args=[student.pk]), {})
    assert response.status_code == 400 and "请选择要上传的照片" in response.content.decode()
    assert not Student.objects.get(pk=student.pk).photo and stored_files(media_root) == []


def test_staff_photo_by_the_office(uni, office, verified_client):
    client = verified_client(office)
    staff = uni.counselor
    response = _upload(client, reverse("org:staff_photo_upload", args=[staff.pk]), make_image((500, 500), "PNG"), name="t.png")
    assert response.status_code == 302
    assert Staff.objects.get(pk=staff.pk).photo
    html = client.get(reverse("org:staff_detail", args=[staff.pk])).content.decode()
    assert reverse("org:staff_photo", args=[staff.pk]) in html
    assert client.get(reverse("org:staff_photo", args=[staff.pk]))["Content-Type"] == "image/jpeg"


def test_who_may_see_and_change_a_photo(uni, login):
    student, other = uni.students[0], uni.other_students[0]
    for person in (student, other):
        services.person_set_photo(person=person, photo=photos.prepare(make_image()))
    college, counselor = login(uni.college_admin_user), login(uni.counselor_user)
    own = login(uni.student_user)
    # Seen by whoever may open the page, through their scope.
    assert counselor.get(reverse("org:student_photo", args=[student.pk])).status_code == 200
    assert own.get(reverse("org:student_photo", args=[student.pk])).status_code == 200
    assert own.get(reverse("org:student_photo", args=[uni.students[1].pk])).status_code == 404
    assert college.get(reverse("org:student_photo", args=[other.pk])).status_code == 404
    assert login(uni.guard_user).get(reverse("org:student_photo", args=[student.pk])).status_code == 404
    # Changed by people writers only, and only inside their scope.
    upload = reverse("org:student_photo_upload", args=[student.pk])
    assert _upload(counselor, upload, make_image()).status_code == 403
    assert counselor.post(reverse("org:student_photo_remove", args=[student.pk])).status_code == 403
    assert _upload(college, reverse("org:student_photo_upload", args=[other.pk]), make_image()).status_code == 404
    assert college.post(reverse("org:student_photo_remove", args=[other.pk])).status_code == 404
    # The counselor sees the photo but no upload form.
    html = counselor.get(reverse("org:student_detail", args=[student.pk])).content.decode()
    assert 'data-testid="photo"' in html and 'data-testid="photo-form"' not in html
    # Uploads and removals are POST only; the image is GET only.
    assert college.get(upload).status_code == 405
    assert college.get(reverse("org:student_photo_remove", args=[student.pk])).status_code == 405
    assert college.post(reverse("org:student_photo", args=[student.pk])).status_code == 405
    # Anonymous: to the login page.
    from django.test import Client

    assert Client().get(reverse("org:student_photo", args=[student.pk])).status_code == 302


def test_missing_photo_or_file_is_404(uni, login, media_root):
    client = login(uni.college_admin_user)
    student = uni.students[0]
    assert client.get(reverse("org:student_photo", args=[student.pk])).status_code == 404
    services.person_set_photo(person=student, photo=photos.prepare(make_image()))
    (media_root / student.photo.name).unlink()
    assert client.get(reverse("org:student_photo", args=[student.pk])).status_code == 404
