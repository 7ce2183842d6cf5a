"""No form of the project shows Django's "---------" empty option (glossary: 请选择…)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.utils import translation

import fangxian
from fangxian.core.forms import DJANGO_DASH, EmptyChoiceMixin


def _project_form_classes() -> list[type[forms.BaseForm]]:
    # Forms live in forms*.py modules and a few views modules; import them all so that every
    # form class of the project is known, then walk BaseForm's subclasses.
    for info in pkgutil.walk_packages(fangxian.__path__, "fangxian."):
        leaf = info.name.rsplit(".", 1)[-1]
        if ".tests" in info.name or ".migrations" in info.name:
            continue
        if leaf.startswith("forms") or leaf.startswith("views"):
            importlib.import_module(info.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            # fangxian.core.forms holds the two bases themselves, which have no fields.
            if sub.__module__.startswith("fangxian.") and ".tests" not in sub.__module__ and sub.__module__ != "fangxian.core.forms":
                found.append(sub)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = _project_form_classes()


def _needs_no_arguments(cls) -> bool:
    # A subclass may pass *args/**kwargs on to a parent that requires some: check every __init__.
    for klass in cls.__mro__:
        if "__init__" not in vars(klass) or not klass.__module__.startswith("fangxian."):
            continue
        params = list(inspect.signature(klass.__init__).parameters.values())[1:]
        if any(p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
            return False
    return True


def test_discovery_finds_the_project_forms():
    names = {c.__name__ for c in FORMS}
    # One form from each app that has forms, so a broken discovery cannot pass silently.
    assert {"VisitForm", "StudentForm", "CategoryForm", "AuditFilterForm", "ProvisionForm", "SiteConfigForm"} <= names


@pytest.mark.parametrize("cls", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_form_relabels_the_empty_choice(cls):
    assert issubclass(cls, EmptyChoiceMixin), f"{cls.__name__} must derive from fangxian.core.forms.Form / ModelForm"


@pytest.mark.django_db
@pytest.mark.parametrize("cls", [c for c in FORMS if _needs_no_arguments(c)], ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_no_form_renders_django_dashes(cls):
    with translation.override("zh-hans"):
        form = cls()
        html = str(form)
    assert DJANGO_DASH not in html
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            assert field.empty_label != DJANGO_DASH
        elif isinstance(field, forms.ChoiceField):
            assert all(label != DJANGO_DASH for _value, label in field.choices)


@pytest.mark.django_db
def test_foreign_key_and_blank_choice_read_choose():
    from fangxian.gates.forms import VisitForm
    from fangxian.org.forms import StudentFilterForm

    with translation.override("zh-hans"):
        visit = str(VisitForm()["campus"])
        students = str(StudentFilterForm()["college"]) if _needs_no_arguments(StudentFilterForm) else ""
    assert "请选择…" in visit
    assert DJANGO_DASH not in visit + students


@pytest.mark.parametrize("cls", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_date_and_time_fields_are_labelled_time_not_date(cls):
    # Glossary: a date-and-time field is 时间, a date field 日期 ("开始日期" on a datetime-local
    # input told users the time part did not matter).
    with translation.override("zh-hans"):
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.DateTimeField):
                label = str(field.label or "")
                assert "日期" not in label, f"{cls.__name__}.{name}: {label}"
                assert label.endswith("时间"), f"{cls.__name__}.{name}: {label}"
