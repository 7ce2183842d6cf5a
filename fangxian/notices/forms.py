from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core.forms import Form
from fangxian.org.models import Place, Unit
from fangxian.org.registry import assignment_role_choices

from . import services
from .models import AudienceKind, Kind, SourceLevel

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.TextInput(attrs={"class": "form-control"})
SELECT = forms.Select(attrs={"class": "form-select"})
CHECK = forms.CheckboxInput(attrs={"class": "form-check-input"})
AUDIENCE_ROWS = 3


def _dt(label, **kwargs):
    return forms.DateTimeField(label=label, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], **kwargs)


class NoticeForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, widget=SELECT)
    title = forms.CharField(label=pgettext_lazy("notice", "Title"), max_length=200, widget=TEXT)
    issuer = forms.CharField(label=_("Issuing body"), max_length=100, widget=TEXT)
    number = forms.CharField(
        label=_("Document number"), max_length=100, required=False, widget=TEXT, help_text=_("For example 河西学院防控办〔2022〕5号")
    )
    source_level = forms.ChoiceField(label=_("Source"), choices=SourceLevel.choices, widget=SELECT)
    tags = forms.CharField(label=_("Tags"), max_length=200, required=False, widget=TEXT, help_text=_("Separated by commas"))
    body = forms.CharField(
        label=pgettext_lazy("notice", "Text"),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 12}),
        help_text=_("Plain text (a blank line starts a paragraph) or simple HTML: paragraphs, headings, lists, tables, bold, links."),
    )
    is_public = forms.BooleanField(label=_("Public (家校齐心 page for parents)"), required=False, widget=CHECK)
    requires_ack = forms.BooleanField(label=_("Readers must confirm (我已阅读并知晓)"), required=False, initial=True, widget=CHECK)
    expires_at = _dt(_("Expires at"), required=False)
    questions = forms.CharField(
        label=_("Questions"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 6}),
        help_text=_("Optional. One question per line, then its choices “A. …”; mark the correct choices with * at the end."),
    )
    pass_mark = forms.IntegerField(
        label=_("Pass mark (%)"), min_value=0, max_value=100, initial=100, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    max_attempts = forms.IntegerField(
        label=_("Attempts allowed"),
        min_value=0,
        max_value=20,
        initial=3,
        help_text=_("0: unlimited"),
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    note = forms.CharField(label=_("What changed"), max_length=200, required=False, widget=TEXT)
    reread = forms.BooleanField(label=_("Readers must confirm again"), required=False, widget=CHECK)

    def __init__(self, *args, revising: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not revising:
            del self.fields["note"]
            del self.fields["reread"]

    def clean_questions(self):
        text = self.cleaned_data.get("questions", "")
        try:
            return services.parse_questions(text)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict.get("questions", exc.messages))

    def draft(self) -> services.Draft:
        data = self.cleaned_data
        return services.Draft(
            kind=data["kind"],
            title=data["title"],
            issuer=data["issuer"],
            number=data["number"],
            source_level=data["source_level"],
            tags=data["tags"],
            body=data["body"],
            is_public=data["is_public"],
            requires_ack=data["requires_ack"],
            pass_mark=data["pass_mark"],
            max_attempts=data["max_attempts"],
            expires_at=data.get("expires_at"),
        )


class AudienceForm(Form):
    kind = forms.ChoiceField(label=_("Audience"), choices=[("", "")] + list(AudienceKind.choices), required=False, widget=SELECT)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, widget=SELECT)
    campus = forms.ModelChoiceField(label=_("Campus"), queryset=Place.objects.none(), required=False, widget=SELECT)
    role = forms.ChoiceField(label=_("Responsibility held"), choices=(), required=False, widget=SELECT)
    people = forms.CharField(
        label=_("Student or staff numbers"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 2})
    )

    def __init__(self, *args, units=None, campuses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Choose…"))] + list(AudienceKind.choices)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["unit"].label_from_instance = lambda u: ("　" * max(0, u.depth - 1)) + u.name
        self.fields["campus"].queryset = campuses if campuses is not None else Place.objects.none()
        self.fields["role"].choices = [("", _("Choose…")), *assignment_role_choices()]

    def spec(self) -> services.AudienceSpec | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return services.AudienceSpec(
            kind=data["kind"],
            unit=data.get("unit"),
            campus=data.get("campus"),
            role=data.get("role") or "",
            people=data.get("people") or "",
        )


class PublishForm(Form):
    publish_at = _dt(_("Publish at"), required=False, help_text=_("Leave empty to publish now."))


class SearchForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=TEXT)
