from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core.forms import Form
from fangxian.org.models import Place, Staff

from .models import ChecklistVersion, Level, PlaceCategory, Recurrence


def _versions(categories):
    return (
        ChecklistVersion.objects.filter(checklist__category__in=categories)
        .select_related("checklist")
        .order_by("checklist__name", "-number")
    )


class VersionField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Choose…"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.checklist.name} · v{obj.number}"


class CampaignForm(Form):
    name = forms.CharField(label=_("name"), max_length=100, initial="暑假前校园安全隐患大排查")
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    starts_on = forms.DateField(label=_("starts on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("ends on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    recurrence = forms.ChoiceField(label=_("repeats"), choices=Recurrence.choices, required=False)
    campuses = forms.ModelMultipleChoiceField(
        label=_("whole campuses"), queryset=Place.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("buildings"), queryset=Place.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    all_labs = forms.BooleanField(label=_("every lab"), required=False)
    lab_version = VersionField(label=_("checklist for labs"), queryset=ChecklistVersion.objects.none(), required=False)
    dorm_version = VersionField(label=_("checklist for dormitory buildings"), queryset=ChecklistVersion.objects.none(), required=False)
    building_version = VersionField(label=_("checklist for other buildings"), queryset=ChecklistVersion.objects.none(), required=False)
    campus_version = VersionField(
        label=_("checklist for the campus pipe network"), queryset=ChecklistVersion.objects.none(), required=False
    )

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        places = places if places is not None else Place.objects.all()
        self.fields["campuses"].queryset = places.active().filter(kind=Place.Kind.CAMPUS).order_by("sort_order", "name", "pk")
        self.fields["buildings"].queryset = (
            places.active()
            .filter(kind=Place.Kind.BUILDING)
            .select_related("parent")
            .order_by("parent__sort_order", "parent__name", "name", "pk")
        )
        self.fields["buildings"].label_from_instance = lambda p: f"{p.parent.name} · {p.name}"
        self.fields["lab_version"].queryset = _versions([PlaceCategory.LAB])
        self.fields["dorm_version"].queryset = _versions([PlaceCategory.DORM])
        self.fields["building_version"].queryset = _versions([PlaceCategory.GENERAL, PlaceCategory.KITCHEN])
        self.fields["campus_version"].queryset = _versions([PlaceCategory.PIPE])
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("starts_on", today)
            self.initial.setdefault("ends_on", today + timezone.timedelta(days=14))

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return data


class ChecklistForm(Form):
    name = forms.CharField(label=_("name"), max_length=100)
    code = forms.SlugField(label=_("code"), max_length=40, help_text=_("A short fixed name, e.g. lab-2022."))
    category = forms.ChoiceField(label=_("kind of place"), choices=PlaceCategory.choices)
    items = forms.CharField(
        label=_("items"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("One item per line: section｜item, or section｜item｜reading unit for an item with a meter reading."),
    )


class VersionForm(Form):
    note = forms.CharField(label=_("what changed"), max_length=200, required=False)
    items = ChecklistForm.base_fields["items"]


class InspectorForm(Form):
    inspector = forms.ModelChoiceField(label=_("inspector"), queryset=Staff.objects.none(), empty_label=_("Choose…"))

    def __init__(self, *args, institution_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = Staff.objects.filter(is_active=True, institution_id=institution_id).order_by("name", "pk")


class ReportForm(Form):
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    token = forms.CharField(widget=forms.HiddenInput, required=False)


class VerifyForm(Form):
    decision = forms.ChoiceField(choices=[("close", pgettext_lazy("hazard", "Close")), ("return", _("Return"))])
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class ChangeFindingForm(Form):
    level = forms.ChoiceField(label=_("level"), choices=Level.choices)
    due_at = forms.DateTimeField(
        label=_("rectify by"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    owner = forms.ModelChoiceField(label=_("person responsible"), queryset=Staff.objects.none(), required=False, empty_label=_("Choose…"))
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def __init__(self, *args, institution_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Staff.objects.filter(is_active=True, institution_id=institution_id).order_by("name", "pk")
