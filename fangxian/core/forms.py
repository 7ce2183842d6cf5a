"""Base form classes every Fangxian form derives from.

Django shows "---------" as the empty option of a choice list (a ModelChoiceField's default
empty_label, the blank choice a model field with choices adds). The glossary wants
"请选择…" everywhere, so the forms relabel it in one place rather than field by field.
"""

from __future__ import annotations

from django import forms
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _

DJANGO_DASH = BLANK_CHOICE_DASH[0][1]
EMPTY_CHOICE = _("Choose…")


def relabel_empty_choice(field: forms.Field) -> None:
    """Replace Django's "---------" empty option of one field by 请选择…; other labels stay."""
    if isinstance(field, forms.ModelChoiceField):
        # The iterator reads empty_label when the widget renders, so changing it here is enough.
        if field.empty_label == DJANGO_DASH:
            field.empty_label = EMPTY_CHOICE
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)
        if any(label == DJANGO_DASH for _value, label in choices):
            field.choices = [(value, EMPTY_CHOICE if label == DJANGO_DASH else label) for value, label in choices]


class EmptyChoiceMixin:
    """Relabel the empty option when a field is first taken for display or validation.

    Done in __getitem__ rather than __init__ because many forms set choices and querysets in
    their own __init__, after the base class has run; every rendering path (the whole form,
    one field, iteration) goes through form[name].
    """

    def __getitem__(self, name):
        field = self.fields.get(name)
        if field is not None:
            relabel_empty_choice(field)
        return super().__getitem__(name)


class Form(EmptyChoiceMixin, forms.Form):
    pass


class ModelForm(EmptyChoiceMixin, forms.ModelForm):
    pass
