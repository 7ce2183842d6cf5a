"""The import machinery, with a small importer that creates user accounts."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangxian.accounts.models import User
from fangxian.core.importing import DATE, ID_NUMBER, PHONE, Column, Importer, Row, RowError
from fangxian.core.xlsx import read_sheet


class AccountImporter(Importer):
    name = "accounts"
    title = "账号"
    key = ("username",)
    columns = [
        Column("username", "用户名", required=True, aliases=("账号",)),
        Column("full_name", "姓名", required=True),
        Column("id_number", "身份证号", kind=ID_NUMBER),
        Column("phone", "手机号", kind=PHONE),
        Column("since", "开始日期", kind=DATE),
    ]

    def validate(self, rows):
        return [self.error(row, "username", "保留用户名") for row in rows if row["username"] == "admin"]

    def apply(self, rows: list[Row]):
        created = updated = unchanged = 0
        for row in rows:
            user, was_created = User.objects.get_or_create(username=row["username"], defaults={"full_name": row["full_name"]})
            if was_created:
                created += 1
            elif user.full_name != row["full_name"]:
                user.full_name = row["full_name"]
                user.save(update_fields=["full_name"])
                updated += 1
            else:
                unchanged += 1
        return created, updated, unchanged


def xlsx(rows, title_rows=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append([title])
    if title_rows:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("f.xlsx", buffer.getvalue())


HEADER = ["用户名", "姓名", "身份证号", "手机号", "开始日期"]


@pytest.mark.django_db
def test_messy_office_file_is_cleaned_and_imported_once():
    upload = xlsx(
        [
            HEADER,
            ["ｚｈａｎｇ３ ", " 张三  ", "11010519491231002x", "139 1234 5678", "2022.7.10"],
            ["li4", "李四", "", 13912345678, 44752],
            [None, None, None, None, None],
            ["wang5", "王五", "", "", "2022年7月1日"],
        ],
        title_rows=["河西学院 2022 暑假 账号表"],
    )
    report = AccountImporter().run(upload)
    assert report.ok, [str(e) for e in report.errors]
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 3, 0, 0)
    assert User.objects.filter(username="zhang3", full_name="张三").exists()
    upload.seek(0)
    again = AccountImporter().run(upload)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


@pytest.mark.django_db
def test_any_bad_row_changes_nothing_and_says_where():
    upload = xlsx(
        [
            HEADER,
            ["ok1", "好", "", "", ""],
            ["bad", "坏", 1.10105e17, "", ""],
            ["bad2", "坏2", "110105194912310021", "12345", "2022-02-30"],
            ["ok1", "重复", "", "", ""],
            ["admin", "管理员", "", "", ""],
        ]
    )
    report = AccountImporter().run(upload)
    assert not report.ok
    messages = [str(e) for e in report.errors]
    assert any(m.startswith("第 3 行 · 身份证号 · ") and "1.10105E+17" in m for m in messages), messages
    assert any(m.startswith("第 4 行 · 身份证号 · ") and "GB 11643" in m for m in messages), messages
    assert any(m.startswith("第 4 行 · 手机号 · ") for m in messages), messages
    assert any(m.startswith("第 4 行 · 开始日期 · ") for m in messages), messages
    assert "第 5 行 · 用户名 · 与第 2 行重复。" in messages
    assert "第 6 行 · 用户名 · 保留用户名" in messages
    assert User.objects.count() == 0
    # The error file keeps the rows where they were and adds the problems at the end.
    error_rows = read_sheet(report.error_file)
    assert error_rows[2][0] == "bad" and "身份证号" in error_rows[2][-1]


@pytest.mark.django_db
def test_check_only_writes_nothing():
    report = AccountImporter().run(xlsx([HEADER, ["a1", "甲", "", "", ""]]), dry_run=True)
    assert report.ok and report.rows == 1
    assert not User.objects.filter(username="a1").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "空"),
        (b"name,phone\n1,2\n", "不是 Excel"),
        (b"PK\x03\x04garbage", "损坏"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(content, expected):
    report = AccountImporter().run(SimpleUploadedFile("f.xlsx", content))
    assert not report.ok
    assert expected in str(report.errors[0])


@pytest.mark.django_db
def test_zip_bomb_and_oversize_files_are_refused_before_unpacking(settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    report = AccountImporter().run(SimpleUploadedFile("bomb.xlsx", buffer.getvalue()))
    assert "上限" in str(report.errors[0]), report.errors
    settings.UPLOAD_MAX_BYTES = 1024
    report = AccountImporter().run(SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"0" * 4096))
    assert "MB" in str(report.errors[0])


@pytest.mark.django_db
def test_missing_columns_and_missing_header_are_explained():
    report = AccountImporter().run(xlsx([["用户名", "电话"], ["x", "1"]]))
    assert "缺少列：姓名" in str(report.errors[0])
    report = AccountImporter().run(xlsx([["甲", "乙"], ["x", "1"]]))
    assert "表头" in str(report.errors[0])


def test_template_has_chinese_headers_and_required_marks():
    rows = read_sheet(AccountImporter().template())
    assert ["用户名*", "姓名*", "身份证号", "手机号", "开始日期"] in [r[:5] for r in rows]


def test_row_error_reads_as_row_column_problem():
    assert str(RowError(7, "姓名", "必填")) == "第 7 行 · 姓名 · 必填"


# -- masked numbers (as exports write them) -----------------------------------------------


@pytest.mark.django_db
def test_an_importer_that_does_not_read_masked_numbers_refuses_them_by_cell():
    report = AccountImporter().run(xlsx([HEADER, ["zhang3", "张三", "1101**********002X", "139****5678", ""]]))
    assert sorted(str(e) for e in report.errors) == [
        "第 2 行 · 手机号 · 这是脱敏的号码（导出文件中的样式），不能导入；请填写完整号码。",
        "第 2 行 · 身份证号 · 这是脱敏的号码（导出文件中的样式），不能导入；请填写完整号码。",
    ]
    assert not User.objects.exists()


STORED = {"zhang3": "11010519491231002X", "li4": "110105194912310038"}


class MaskedAccountImporter(AccountImporter):
    """Reads masked ID numbers back against STORED (what the system holds per user name);
    leaves masked phones alone, which the machinery then refuses."""

    masked_cells = True

    def validate(self, rows):
        self.seen = {}
        errors = [e for row in rows if (e := self.keep_masked(row, "id_number", STORED.get(row["username"])))]
        for row in rows:
            self.seen[row["username"]] = row["id_number"]
        return errors


@pytest.mark.django_db
def test_a_masked_number_stands_for_the_stored_one_only_when_it_masks_it():
    importer = MaskedAccountImporter()
    # Half-width or full-width stars, lower-case x: the stored number's mask.
    report = importer.run(
        xlsx([HEADER, ["zhang3", "张三", "1101＊＊＊＊＊＊＊＊＊＊002x", "", ""], ["li4", "李四", "1101**********0038", "", ""]])
    )
    assert report.ok and report.created == 2, [str(e) for e in report.errors]
    assert importer.seen == STORED  # the stored numbers, never the masks
    refused = MaskedAccountImporter().run(
        xlsx(
            [
                HEADER,
                ["zhang3", "张三", "1101**********0038", "", ""],  # li4's mask
                ["wang5", "王五", "1101**********002X", "", ""],  # nobody stored
                ["li4", "李四", "", "139****5678", ""],  # a masked phone nobody resolves
            ]
        )
    )
    assert sorted(str(e) for e in refused.errors) == [
        "第 2 行 · 身份证号 · 脱敏的号码与系统中此人的号码不一致（脱敏的号码只表示号码不变）；请填写完整号码。",
        "第 3 行 · 身份证号 · 脱敏的号码只能用于已有的人，且须与系统中的号码一致；请填写完整号码。",
        "第 4 行 · 手机号 · 脱敏的号码只能用于已有的人，且须与系统中的号码一致；请填写完整号码。",
    ]
    assert not User.objects.filter(username="wang5").exists()
