from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core.forms import Form, ModelForm
from fangxian.org.models import Place

from .models import Category, StayPeriod


class Bootstrap:
    """Bootstrap classes on every widget."""

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        from .services import bed_label

        return bed_label(obj)


class ApplicationForm(Bootstrap, Form):
    """The student's application, laid out for a phone."""

    start_date = forms.DateField(label=_("Stay from"), widget=DateInput())
    end_date = forms.DateField(label=_("Stay until"), widget=DateInput())
    reason = forms.ModelChoiceField(label=pgettext_lazy("stay", "Reason"), queryset=None, empty_label=_("Choose…"))
    reason_note = forms.CharField(label=_("Details"), max_length=200, required=False)
    bed = BedChoiceField(label=_("Bed during the stay"), queryset=Place.objects.none(), empty_label=_("Choose…"))
    emergency_contact = forms.CharField(label=_("Emergency contact"), max_length=50)
    emergency_phone = forms.CharField(
        label=_("Emergency contact's phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    parent_name = forms.CharField(label=_("Parent's name"), max_length=50)
    parent_phone = forms.CharField(label=_("Parent's phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    pledge = forms.BooleanField(
        label=_(
            "I have read the safety pledge and agree to it: I keep the campus rules, "
            "report when I leave and come back, and answer my counselor."
        ),
        required=True,
        error_messages={"required": _("You must agree to the safety pledge.")},
    )

    def __init__(self, *args, period: StayPeriod, beds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = period.reasons.filter(is_active=True)
        self.fields["bed"].queryset = beds
        self.period = period
        self.style()


class RegisterForm(ApplicationForm):
    """The same application, filled in by the counselor for a student."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pledge"].label = _("The student has read the safety pledge and agrees to it.")
        self.fields["pledge"].error_messages["required"] = _("The student must agree to the safety pledge.")


class ReviewForm(Bootstrap, Form):
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class PeriodForm(Bootstrap, Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    start_date = forms.DateField(label=_("First day"), widget=DateInput())
    end_date = forms.DateField(label=_("Last day"), widget=DateInput())
    reasons = forms.CharField(
        label=_("Accepted reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line."),
        initial="实习\n考研\n科研\n家庭困难\n疫情原因无法离校\n毕业生",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


# The badge colours the office picks from (swatches, not Bootstrap's colour names).
TONES = [
    ("primary", _("Blue")),
    ("info", _("Light blue")),
    ("success", _("Green")),
    ("warning", _("Yellow")),
    ("danger", _("Red")),
    ("secondary", _("Grey")),
    ("dark", _("Black")),
]


class CategoryForm(Bootstrap, ModelForm):
    """A student category. The office names it and picks its colour; the code that counts
    are keyed by is made from the order of creation, never typed or shown."""

    tone = forms.ChoiceField(label=_("Colour"), choices=TONES, initial="secondary", widget=forms.RadioSelect)

    class Meta:
        model = Category
        fields = ["name", "kind", "tone", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()
        self.fields["tone"].widget.attrs["class"] = "btn-check"


class MovePlanForm(Bootstrap, Form):
    campus = forms.ModelChoiceField(label=_("Campus"), queryset=Place.objects.filter(kind=Place.Kind.CAMPUS), empty_label=_("Choose…"))
    move_date = forms.DateField(label=_("Move date"), widget=DateInput())
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class StayCorrectionForm(ApplicationForm):
    """A registered stay as the college now knows it (the ledger page's correction): the
    application's fields without the pledge, which was given at registration."""

    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["pledge"]


class StayCancelForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput())
    note = forms.CharField(
        label=_("Why is the stay cancelled?"),
        max_length=200,
        error_messages={"required": _("Say why the stay is cancelled.")},
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
