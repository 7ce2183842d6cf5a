"""The office's round form (population, sites and slots, schedule) and the lab mapping form."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.core.forms import Form, ModelForm
from fangxian.ledger import selectors as ledger
from fangxian.org.models import Place, Unit

from .models import POOL_SIZES, Kind, LabMapping
from .services import SlotSpec

SLOT_ROWS = 3


class RoundForm(Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Kind.choices)
    kind_note = forms.CharField(label=_("test"), max_length=50, required=False, help_text=_("For other screenings, e.g. TB screening."))
    day = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(label=_("sampling from"), widget=forms.TimeInput(attrs={"type": "time"}), initial=time(7, 0))
    ends = forms.TimeField(label=_("sampling until"), widget=forms.TimeInput(attrs={"type": "time"}), initial=time(11, 0))
    include_students = forms.BooleanField(label=_("students on campus"), required=False, initial=True)
    campus = forms.ModelChoiceField(label=_("campus"), queryset=Place.objects.none(), required=False)
    category_code = forms.ChoiceField(label=_("student category"), required=False)
    staff_units = forms.ModelMultipleChoiceField(label=_("staff of units"), queryset=Unit.objects.none(), required=False)
    pool_size = forms.TypedChoiceField(label=_("tube"), choices=POOL_SIZES, coerce=int, initial=10)
    repeat_days = forms.IntegerField(label=_("repeat every (days)"), min_value=0, max_value=30, initial=0, help_text=_("0: once."))
    repeat_until = forms.DateField(label=_("repeat until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, institution: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution
        self.fields["campus"].queryset = (
            Place.objects.active().filter(kind=Place.Kind.CAMPUS, institution=institution).order_by("sort_order", "path")
        )
        self.fields["category_code"].choices = [("", _("All students on campus"))] + sorted(ledger.categories_by_code().items())
        self.fields["staff_units"].queryset = (
            Unit.objects.active()
            .filter(kind__in=(Unit.Kind.COLLEGE, Unit.Kind.DEPARTMENT, Unit.Kind.HOSPITAL), path__startswith=institution.path)
            .order_by("sort_order", "path")
        )
        sites = Place.objects.active().filter(kind__in=(Place.Kind.CAMPUS, Place.Kind.BUILDING), institution=institution).order_by("path")
        for index in range(1, SLOT_ROWS + 1):
            self.fields[f"site_{index}"] = forms.ModelChoiceField(label=_("sampling site"), queryset=sites, required=index == 1)
            self.fields[f"from_{index}"] = forms.TimeField(label=_("from"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
            self.fields[f"to_{index}"] = forms.TimeField(label=_("until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def slot_rows(self):
        return [(self[f"site_{i}"], self[f"from_{i}"], self[f"to_{i}"]) for i in range(1, SLOT_ROWS + 1)]

    def at(self, value: time) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["day"], value))

    def slots(self) -> list[SlotSpec]:
        data = self.cleaned_data
        out = []
        for index in range(1, SLOT_ROWS + 1):
            place = data.get(f"site_{index}")
            if place is None:
                continue
            start = self.at(data.get(f"from_{index}") or data["starts"])
            end = self.at(data.get(f"to_{index}") or data["ends"])
            out.append(SlotSpec(place, start, end))
        return out

    def window(self) -> tuple[datetime, datetime]:
        start, end = self.at(self.cleaned_data["starts"]), self.at(self.cleaned_data["ends"])
        return start, (end if end > start else end + timedelta(days=1))


class LabMappingForm(ModelForm):
    class Meta:
        model = LabMapping
        fields = ["lab", "key_kind", "key_header", "result_header"]
