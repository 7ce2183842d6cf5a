"""Importing photos from a ZIP archive named by student or staff number: all-or-nothing,
every problem named by its file, nothing left behind, the uploader's scope respected."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from fangxian.audit.models import SecurityEvent
from fangxian.org import photos, services
from fangxian.org.imports import StaffPhotoImporter, StudentPhotoImporter
from fangxian.org.models import Staff, Student
from fangxian.org.testing import make_image, make_zip, stored_files

pytestmark = pytest.mark.usefixtures("media_root")


def upload(data: bytes, name: str = "照片.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


def gps_photo() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (38.0, 56.0, 0.0)
    return make_image((400, 300), exif=exif)


def photos_of(*people) -> list[str]:
    return [type(p).objects.get(pk=p.pk).photo.name for p in people]


def test_office_imports_student_photos(uni, office, media_root):
    first, second = uni.students[0], uni.students[1]
    archive = make_zip(
        {
            f"{first.student_number}.JPG": gps_photo(),
            f"临床2021级1班/{second.student_number}.png": make_image((200, 260), "PNG"),
            f"__MACOSX/._{first.student_number}.JPG": b"\x00\x05\x16\x07 resource fork",  # added by macOS: skipped
            ".DS_Store": b"junk",
            "临床2021级1班/": b"",
        }
    )
    report = StudentPhotoImporter(user=office).run(upload(archive))
    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated) == (2, 2, 0)
    names = photos_of(first, second)
    assert all(name.startswith("photos/") for name in names) and stored_files(media_root) == sorted(names)
    cleaned = Image.open(Student.objects.get(pk=first.pk).photo.open("rb"))
    assert cleaned.size == (300, 400) and dict(cleaned.getexif()) == {}  # upright, no GPS
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.IMPORT)
    assert event.detail["importer"] == "student_photos" and event.detail["created"] == 2


def test_importing_again_replaces_and_deletes_the_old_files(uni, office, media_root, django_capture_on_commit_callbacks):
    student = uni.students[0]
    services.person_set_photo(person=student, photo=photos.prepare(make_image()))
    old = student.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        report = StudentPhotoImporter(user=office).run(upload(make_zip({f"{student.student_number}.jpg": make_image((150, 200))})))
    assert (report.created, report.updated) == (0, 1)
    new = photos_of(student)[0]
    assert new != old and stored_files(media_root) == [new]


def test_any_bad_entry_refuses_the_whole_archive_and_names_it(uni, office, media_root):
    good, other = uni.students[0], uni.students[1]
    truncated = io.BytesIO()
    Image.effect_noise((600, 600), 64).convert("RGB").save(truncated, "JPEG", quality=95)
    archive = make_zip(
        {
            f"{good.student_number}.jpg": make_image(),
            "2099999999.jpg": make_image(),
            f"{other.student_number}.jpg": b"Student number,Name\n2021001,Zhang\n",
            f"a/{uni.students[2].student_number}.jpg": make_image((80, 120)),
            f"b/{good.student_number}.png": make_image(fmt="PNG"),
            f"{uni.other_students[0].student_number}.webp": truncated.getvalue()[:5000],
            "名单.xlsx": b"PK\x03\x04",
            f"0/{good.student_number}.txt": b"notes",  # sorts first; the photos of the same number are not its duplicates
        }
    )
    report = StudentPhotoImporter(user=office).run(upload(archive))
    assert not report.ok and report.created == report.updated == 0
    problems = {error.column: error.message for error in report.errors}
    assert problems == {
        "2099999999.jpg": "在您可以修改的学生中没有学号为 2099999999 的学生。",
        f"{other.student_number}.jpg": "文件不是 JPEG、PNG 或 WebP 图片，或者已损坏。请选择这几种格式之一的照片。",
        f"a/{uni.students[2].student_number}.jpg": "图片太小（80 × 120 像素），至少需要 100 × 100 像素。",
        f"b/{good.student_number}.png": f"另一个文件也是这个人的照片：{good.student_number}.jpg。",
        f"{uni.other_students[0].student_number}.webp": "图片已损坏或不完整，无法读取。",  # a truncated JPEG: the name does not matter
        "名单.xlsx": "不是照片文件：照片请按 2021001.jpg 这样命名（JPEG、PNG 或 WebP）。",
        f"0/{good.student_number}.txt": "不是照片文件：照片请按 2021001.jpg 这样命名（JPEG、PNG 或 WebP）。",
    }
    assert str(report.errors[0]).startswith(f"{report.errors[0].column} · ")
    assert photos_of(good, other) == ["", ""]
    assert stored_files(media_root) == [] and not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.IMPORT).exists()


def test_college_admin_imports_only_their_own_college(uni, media_root):
    own, outside = uni.students[0], uni.other_students[0]
    archive = make_zip({f"{own.student_number}.jpg": make_image(), f"{outside.student_number}.jpg": make_image()})
    report = StudentPhotoImporter(user=uni.college_admin_user).run(upload(archive))
    # The same answer as for a number that does not exist: scope does not tell who exists.
    assert [(e.column, e.message) for e in report.errors] == [
        (f"{outside.student_number}.jpg", f"在您可以修改的学生中没有学号为 {outside.student_number} 的学生。")
    ]
    assert photos_of(own, outside) == ["", ""] and stored_files(media_root) == []
    report = StudentPhotoImporter(user=uni.college_admin_user).run(upload(make_zip({f"{own.student_number}.jpg": make_image()})))
    assert report.ok and photos_of(own)[0]


def test_staff_photos_by_staff_number(uni, office):
    staff = uni.counselor
    report = StaffPhotoImporter(user=office).run(upload(make_zip({f"{staff.staff_number}.jpeg": make_image()})))
    assert report.ok and Staff.objects.get(pk=staff.pk).photo
    report = StaffPhotoImporter(user=office).run(upload(make_zip({"NOBODY.jpg": make_image()})))
    assert [e.message for e in report.errors] == ["在您可以修改的教职工中没有工号为 NOBODY 的教职工。"]


def test_check_only_changes_nothing(uni, office, media_root):
    report = StudentPhotoImporter(user=office).run(upload(make_zip({f"{uni.students[0].student_number}.jpg": make_image()})), dry_run=True)
    assert report.ok and report.rows == 1 and photos_of(uni.students[0]) == [""] and stored_files(media_root) == []


@pytest.mark.parametrize(
    ("archive", "words"),
    [
        (b"these are not the photos you are looking for", "不是 ZIP 压缩包"),
        (make_zip({}), "没有照片"),
        # A zip bomb: a few kilobytes that unpack to 20 MB.
        (make_zip({"2021000000.jpg": b"\0" * (20 * 1024 * 1024)}), "解压后数据过多"),
        (make_zip({f"{n}.jpg": b"x" for n in range(photos.ARCHIVE_MAX_PHOTOS + 1)}, compression=zipfile.ZIP_STORED), "1001 个文件"),
    ],
    ids=["not-a-zip", "empty", "bomb", "too-many"],
)
def test_archive_refused_as_a_whole(uni, office, media_root, archive, words):
    report = StudentPhotoImporter(user=office).run(upload(archive))
    assert len(report.errors) == 1 and report.errors[0].column == "" and words in report.errors[0].message
    assert stored_files(media_root) == []


def test_oversized_archive_refused_before_it_is_opened(uni, office):
    big = upload(b"PK\x03\x04")
    big.size = photos.ARCHIVE_MAX_BYTES + 1
    report = StudentPhotoImporter(user=office).run(big)
    assert "大于 100 MB" in report.errors[0].message


def test_names_stored_by_chinese_windows_are_read_as_gbk(uni, office):
    # Chinese Windows stores "照片/…" in GBK without the UTF-8 flag.
    archive = make_zip({"XXXX/2099999999.jpg": make_image()}).replace(b"XXXX/", "照片/".encode("gbk"))
    report = StudentPhotoImporter(user=office).run(upload(archive))
    assert [e.column for e in report.errors] == ["照片/2099999999.jpg"]


# -- pages -----------------------------------------------------------------------------------


def test_photo_import_page_for_college_admins_and_the_office(uni, office, verified_client, login, media_root):
    url = reverse("org:import", args=["student_photos"])
    college = login(uni.college_admin_user)
    page = college.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'accept=".zip' in html and "2021001.jpg" in html and "?template=1" not in html
    assert college.get(url + "?template=1").status_code == 200  # no template: the page itself
    response = college.post(url, {"file": upload(make_zip({"2099999999.jpg": make_image()}))})
    assert (
        response.status_code == 400 and "2099999999.jpg · 在您可以修改的学生中没有学号为 2099999999 的学生。" in response.content.decode()
    )
    response = college.post(url, {"file": upload(make_zip({f"{uni.students[0].student_number}.jpg": make_image()}))})
    assert response.status_code == 200 and "导入 1 张照片：新增 1 张，替换 0 张。" in response.content.decode()
    assert college.post(url, {}).status_code == 400
    # Other imports stay with the office; counselors import nothing.
    assert college.get(reverse("org:import", args=["students"])).status_code == 403
    assert login(uni.counselor_user).get(url).status_code == 403
    office_client = verified_client(office)
    index = office_client.get(reverse("org:import_index")).content.decode()
    assert url in index and f"{url}?template=1" not in index
    assert url in college.get(reverse("org:student_list")).content.decode()
    assert url not in login(uni.counselor_user).get(reverse("org:student_list")).content.decode()
