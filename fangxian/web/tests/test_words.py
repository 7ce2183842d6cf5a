"""One word for each thing: the translation check refuses a msgid translated two ways
across the apps' catalogues (Django would show whichever app comes first) and a departure
from the glossary; a context (pgettext) keeps two meanings apart. And the catalogues as
they are pass it."""

from __future__ import annotations

import importlib.util
import pathlib

import polib
from django.utils import translation
from django.utils.translation import gettext, pgettext

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _checker():
    spec = importlib.util.spec_from_file_location("check_translations", ROOT / "scripts" / "check_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalogue(*entries) -> polib.POFile:
    po = polib.POFile()
    for msgid, msgstr, *context in entries:
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr, msgctxt=context[0] if context else None))
    return po


def test_two_translations_of_one_msgid_fail_and_contexts_keep_meanings_apart():
    check = _checker()
    problems = check.consistency_problems({"fangxian/a": _catalogue(("Name", "名称")), "fangxian/b": _catalogue(("Name", "姓名"))})
    assert len(problems) == 1 and "'名称' in fangxian/a" in problems[0] and "'姓名' in fangxian/b" in problems[0]
    assert (
        check.consistency_problems({"fangxian/a": _catalogue(("Name", "名称")), "fangxian/b": _catalogue(("Name", "姓名", "person"))}) == []
    )
    wrong = check.consistency_problems({"fangxian/a": _catalogue(("Building manager", "楼栋管理员"))})
    assert wrong == ["fangxian/a: 'Building manager' is '楼栋管理员'; the glossary says '楼长'"]


def test_the_catalogues_agree_with_each_other_and_the_glossary():
    check = _checker()
    catalogues = {
        str(path): polib.pofile(str(path)) for path in sorted((ROOT / "fangxian").glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
    }
    assert check.consistency_problems(catalogues) == []


def test_screens_read_the_words_of_the_glossary():
    with translation.override("zh-hans"):
        assert pgettext("report form", "Form code") == "表单代码"
        assert pgettext("second factor", "Code") == "验证码"
        assert pgettext("visitor", "Organisation") == "单位"
        assert pgettext("person", "Name") == "姓名"
        assert gettext("Approved") == "已批准"
        assert gettext("Building manager") == "楼长"
