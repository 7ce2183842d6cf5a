from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core.forms import EMPTY_CHOICE, Form
from fangxian.org.models import Place, Unit

from .models import Kind, Level, Update

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.TextInput(attrs={"class": "form-control"})
SELECT = forms.Select(attrs={"class": "form-select"})


def _area(rows: int = 3, placeholder: str = "") -> forms.Textarea:
    attrs = {"class": "form-control", "rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.Textarea(attrs=attrs)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input (checked and cleaned by the service)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(attrs={"class": "form-control", "accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ReportForm(Form):
    """The phone report: the type and a few words are enough; the rest has defaults."""

    kind = forms.ChoiceField(label=_("Incident type"), choices=[("", EMPTY_CHOICE), *Kind.choices], widget=SELECT)
    level = forms.ChoiceField(label=pgettext_lazy("incident", "Level"), choices=Level.choices, initial=Level.GENERAL, widget=SELECT)
    occurred_at = forms.DateTimeField(
        label=_("Time it happened"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
    )
    place = forms.ModelChoiceField(label=_("Location"), queryset=Place.objects.none(), required=False, widget=SELECT)
    place_detail = forms.CharField(label=_("Where exactly"), max_length=200, required=False, widget=TEXT)
    description = forms.CharField(label=pgettext_lazy("incident", "What happened"), widget=_area(3))
    people = forms.CharField(
        label=_("People involved"),
        required=False,
        widget=_area(2, _("One per line: student or staff number and name")),
        help_text=_("A student or member of staff named by number and name is linked to their record."),
    )
    unit = forms.ModelChoiceField(label=_("Reporting unit"), queryset=Unit.objects.none(), widget=SELECT)
    reporter_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False, widget=TEXT)
    photos = PhotosField(label=_("Photos"), required=False)
    request_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, places=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places if places is not None else Place.objects.none()
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["place"].label_from_instance = lambda place: " · ".join(
            [place.name] if place.kind == Place.Kind.CAMPUS else [place.parent.name, place.name] if place.parent_id else [place.name]
        )
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("request_key", uuid.uuid4().hex)


class UpdateForm(Form):
    kind = forms.ChoiceField(label=_("Report type"), choices=Update.Kind.choices, widget=SELECT)
    text = forms.CharField(label=_("Progress"), widget=_area(3))
    measures = forms.CharField(label=_("Measures taken"), required=False, widget=_area(2))
    next_steps = forms.CharField(label=_("Next steps"), required=False, widget=_area(2))
    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        if incident is not None and incident.written_at is not None:
            self.fields["kind"].choices = [c for c in Update.Kind.choices if c[0] != Update.Kind.WRITTEN]
            self.initial.setdefault("kind", Update.Kind.FOLLOWUP)


LIMIT_FIELDS = (
    ("first_minutes", _("First report (verbal) within minutes")),
    ("acknowledge_minutes", _("Office acknowledges within minutes")),
    ("written_minutes", _("Written report within minutes")),
    ("followup_hours", _("Follow-up report every hours")),
)


class LimitsForm(Form):
    earliest_date = forms.DateField(
        label=_("Earliest date of an incident"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, limits=(), **kwargs):
        super().__init__(*args, **kwargs)
        for limit in limits:
            for field, label in LIMIT_FIELDS:
                name = f"{limit.level}-{field}"
                self.fields[name] = forms.IntegerField(
                    label=label, min_value=1, max_value=10_000, widget=forms.NumberInput(attrs={"class": "form-control"})
                )
                self.initial.setdefault(name, getattr(limit, field))

    def rows(self):
        """(level label, [bound fields]) per level, for the table."""
        from .models import Level

        out = []
        for level, label in Level.choices:
            names = [f"{level}-{field}" for field, _label in LIMIT_FIELDS]
            if all(name in self.fields for name in names):
                out.append((label, [self[name] for name in names]))
        return out

    def limits(self) -> dict[str, dict[str, int]]:
        from .models import Level

        return {
            level: {field: self.cleaned_data[f"{level}-{field}"] for field, _label in LIMIT_FIELDS}
            for level in Level.values
            if f"{level}-first_minutes" in self.cleaned_data
        }
