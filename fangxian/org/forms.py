"""Forms of the organisation pages. Choices always come from the user's scope."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.core import idnumber
from fangxian.core.forms import Form, ModelForm

from . import photos
from .models import ID_NUMBER_MESSAGES, Gender, Place, Staff, Student, Unit
from .registry import assignment_role_choices


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        else:
            widget.attrs.setdefault("class", "form-control")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def check_time_window(form, data) -> None:
    """The optional time window of an assignment: a start is needed (a date or a time), and an
    end time comes after the start time. Errors go on the fields concerned."""
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if not data.get("start_date") and not starts_at:
        form.add_error("start_date", _("Give the first day, or a start time."))
    if starts_at and ends_at and ends_at <= starts_at:
        form.add_error("ends_at", _("The end time must be after the start time."))
    elif ends_at and not starts_at and data.get("start_date") and timezone.localdate(ends_at) < data["start_date"]:
        form.add_error("ends_at", _("The end time must be after the start date."))


# -- trees ------------------------------------------------------------------------------


class NodeForm(Form):
    """Create or rename a node. Kind-specific fields are removed when they do not apply."""

    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=50, required=False)
    kind = forms.ChoiceField(label=_("Kind"))
    campus = forms.ModelChoiceField(label=_("Campus"), queryset=Place.objects.none(), required=False)
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Unit.objects.none())
    use = forms.ChoiceField(label=_("Use"), choices=[("", "—"), *Place.Use.choices], required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False)
    sort_order = forms.IntegerField(label=_("Order"), initial=0, required=False)

    def __init__(self, *args, model, parent=None, node=None, campuses=None, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = model
        if node is not None:
            self.fields.pop("kind")
            self.fields.pop("institution")
        else:
            parent_kind = parent.kind if parent is not None else None
            kinds = [(value, label) for value, label in model.Kind.choices if parent_kind in model.PARENT_KINDS.get(value, ())]
            self.fields["kind"].choices = kinds
            if model is Unit or parent is not None:
                self.fields.pop("institution")
            else:
                self.fields["institution"].queryset = institutions
        if model is Unit:
            self.fields.pop("use")
            self.fields.pop("gender")
            self.fields["campus"].queryset = campuses if campuses is not None else Place.objects.none()
        else:
            self.fields.pop("campus")
        _style(self)


class MoveForm(Form):
    parent = forms.IntegerField(label=_("New parent"), widget=forms.HiddenInput, required=False)

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.parents = parents

    def clean_parent(self):
        pk = self.cleaned_data.get("parent")
        if pk is None:
            return None
        parent = self.parents.filter(pk=pk).first()
        if parent is None:
            raise forms.ValidationError(_("Choose the new parent from the list."))
        return parent


# -- people -----------------------------------------------------------------------------


class IdNumberField(forms.CharField):
    """GB 11643 identity number: normalised, then checked with a message that says what is wrong."""

    def to_python(self, value):
        value = super().to_python(value)
        return idnumber.normalize(value) if value else value

    def validate(self, value):
        super().validate(value)
        if value:
            reason = idnumber.problem(value)
            if reason:
                raise forms.ValidationError(ID_NUMBER_MESSAGES[reason], code=reason)


# A mainland mobile (11 digits from 13…19) or a landline with its area code (0931-8123456,
# 010 12345678), optionally with an extension; as the imports accept them.
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


class PhoneField(forms.CharField):
    """A Chinese mobile or landline number, stored without spaces or a +86 prefix."""

    def to_python(self, value):
        text = super().to_python(value)
        text = re.sub(r"[\s\u3000]", "", text).replace("－", "-").replace("—", "-")
        for prefix in ("+86", "0086"):
            if text.startswith(prefix):
                text = text[len(prefix) :].lstrip("-")
        return text

    def validate(self, value):
        super().validate(value)
        if value and not PHONE_RE.match(value):
            raise forms.ValidationError(
                _("“%(value)s” is not a phone number: write a mobile (13912345678) or a landline with its area code (0931-8123456)."),
                params={"value": value[:30]},
            )


class StudentForm(ModelForm):
    id_number = IdNumberField(label=_("ID number"), max_length=24, required=False)
    phone = PhoneField(label=_("phone"), max_length=20, required=False)

    class Meta:
        model = Student
        fields = ["student_number", "name", "gender", "id_number", "phone", "klass", "bed", "status"]

    def __init__(self, *args, classes, beds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["klass"].queryset = classes
        self.fields["bed"].queryset = beds
        self.fields["bed"].required = False
        # Thousands of beds: chosen with the autocomplete, sent as an id.
        self.fields["bed"].widget = forms.HiddenInput()
        if self.instance.pk:
            # Reveal happens on the detail page with an audit record, not by editing.
            self.initial["id_number"] = ""
            self.fields["id_number"].help_text = _("Leave empty to keep the current number (%(masked)s).") % {
                "masked": self.instance.id_number_masked or "—"
            }
            self.initial["phone"] = ""
            self.fields["phone"].help_text = _("Leave empty to keep the current number (%(masked)s).") % {
                "masked": self.instance.phone_masked or "—"
            }
        _style(self)

    def clean_bed(self):
        bed = self.cleaned_data.get("bed")
        if bed is not None:
            taken = Student.objects.filter(bed=bed).exclude(pk=self.instance.pk).first()
            if taken is not None:
                raise forms.ValidationError(_("This bed is already taken by another student."))
        return bed

    def clean_student_number(self):
        number = self.cleaned_data["student_number"].strip()
        klass = self.data.get(self.add_prefix("klass"))
        institution_id = self.instance.institution_id
        if not institution_id and klass:
            found = self.fields["klass"].queryset.filter(pk=klass).first()
            institution_id = found.institution_id if found else None
        if (
            institution_id
            and Student.objects.filter(institution_id=institution_id, student_number=number).exclude(pk=self.instance.pk).exists()
        ):
            raise forms.ValidationError(_("Another student already has the student number %(number)s.") % {"number": number})
        return number

    def _post_clean(self):
        # The institution follows the class; set it before the model validates.
        klass = self.cleaned_data.get("klass")
        if klass is not None:
            self.instance.institution_id = klass.institution_id
        if self.instance.pk:
            for name in ("id_number", "phone"):
                if not self.cleaned_data.get(name):
                    self.cleaned_data[name] = getattr(Student.objects.only(name).get(pk=self.instance.pk), name)
        super()._post_clean()


class StaffForm(ModelForm):
    id_number = IdNumberField(label=_("ID number"), max_length=24, required=False)
    phone = PhoneField(label=_("phone"), max_length=20, required=False)

    class Meta:
        model = Staff
        fields = ["staff_number", "name", "gender", "id_number", "phone", "unit", "title", "is_active"]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if self.instance.pk:
            self.initial["id_number"] = ""
            self.fields["id_number"].help_text = _("Leave empty to keep the current number (%(masked)s).") % {
                "masked": self.instance.id_number_masked or "—"
            }
            self.initial["phone"] = ""
            self.fields["phone"].help_text = _("Leave empty to keep the current number (%(masked)s).") % {
                "masked": self.instance.phone_masked or "—"
            }
        _style(self)

    def clean_staff_number(self):
        number = self.cleaned_data["staff_number"].strip()
        unit = self.data.get(self.add_prefix("unit"))
        institution_id = self.instance.institution_id
        if not institution_id and unit:
            found = self.fields["unit"].queryset.filter(pk=unit).first()
            institution_id = found.institution_id if found else None
        if (
            institution_id
            and Staff.objects.filter(institution_id=institution_id, staff_number=number).exclude(pk=self.instance.pk).exists()
        ):
            raise forms.ValidationError(_("Another staff member already has the staff number %(number)s.") % {"number": number})
        return number

    def _post_clean(self):
        unit = self.cleaned_data.get("unit")
        if unit is not None:
            self.instance.institution_id = unit.institution_id
        if self.instance.pk:
            for name in ("id_number", "phone"):
                if not self.cleaned_data.get(name):
                    self.cleaned_data[name] = getattr(Staff.objects.only(name).get(pk=self.instance.pk), name)
        super()._post_clean()


class LinkUserForm(Form):
    username = forms.CharField(
        label=_("Account (username)"), max_length=150, required=False, help_text=_("Leave empty to remove the link.")
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        _style(self)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No account has the username %(username)s.") % {"username": username})
        for model in (Student, Staff):
            holder = model.objects.filter(user=user).exclude(pk=self.person.pk if isinstance(self.person, model) else None).first()
            if holder is not None:
                raise forms.ValidationError(_("This account already belongs to %(person)s.") % {"person": holder.name})
        return user


class PhotoForm(Form):
    """Upload or replace a person's photo. `cleaned_data["photo"]` is the cleaned JPEG."""

    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP, at most 5 MB, at least 100 × 100 pixels; a passport-style photo of the face."),
        error_messages={"required": _("Choose a photo to upload."), "empty": _("The file is empty.")},
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def clean_photo(self) -> bytes:
        upload = self.cleaned_data["photo"]
        if upload.size > photos.MAX_BYTES:
            # Refused before it is read.
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB; choose a smaller photo.") % {"limit": photos.MAX_BYTES // (1024 * 1024)}
            )
        return photos.prepare(upload.read())


class StudentFilterForm(Form):
    q = forms.CharField(
        label=_("Search"), required=False, widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or number")})
    )
    college = forms.ModelChoiceField(label=_("College"), queryset=Unit.objects.none(), required=False)
    klass = forms.ModelChoiceField(label=_("Class"), queryset=Unit.objects.none(), required=False)
    campus = forms.ModelChoiceField(label=_("Campus"), queryset=Place.objects.none(), required=False)
    building = forms.ModelChoiceField(label=_("Building"), queryset=Place.objects.none(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *Student.Status.choices], required=False)

    def __init__(self, *args, colleges, classes, campuses, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["college"].queryset = colleges
        self.fields["klass"].queryset = classes
        self.fields["campus"].queryset = campuses
        self.fields["building"].queryset = buildings
        _style(self)


class StaffFilterForm(Form):
    q = forms.CharField(
        label=_("Search"), required=False, widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or number")})
    )
    college = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    active = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), ("1", _("Active")), ("0", _("Inactive"))], required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["college"].queryset = units
        _style(self)


# -- assignments ------------------------------------------------------------------------


class AssignmentForm(Form):
    role = forms.ChoiceField(label=_("Role"))
    staff = forms.IntegerField(label=_("Staff member"), widget=forms.HiddenInput)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    place = forms.IntegerField(required=False, widget=forms.HiddenInput)
    student = forms.IntegerField(required=False, widget=forms.HiddenInput)
    start_date = forms.DateField(label=_("From"), widget=DateInput, required=False)
    end_date = forms.DateField(label=_("To"), widget=DateInput, required=False, help_text=_("Leave empty for until further notice."))
    starts_at = forms.DateTimeField(
        label=_("Start time"),
        widget=DateTimeInput,
        required=False,
        help_text=_("Only for a responsibility bound to hours, such as a duty shift; the dates then follow from the times."),
    )
    ends_at = forms.DateTimeField(label=_("End time"), widget=DateTimeInput, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, roles, staff_qs, unit_qs, place_qs, student_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignment_role_choices(roles)
        self.querysets = {"staff": staff_qs, "unit": unit_qs, "place": place_qs, "student": student_qs}
        self.fields["start_date"].initial = timezone.localdate()
        _style(self)

    def _lookup(self, name):
        pk = self.cleaned_data.get(name)
        if pk is None:
            return None
        found = self.querysets[name].filter(pk=pk).first()
        if found is None:
            raise forms.ValidationError({name: _("Choose from the list.")})
        return found

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        data["staff"] = self._lookup("staff")
        check_time_window(self, data)
        if self.errors:
            return data
        targets = {name: self._lookup(name) for name in ("unit", "place", "student")}
        chosen = [name for name, value in targets.items() if value is not None]
        if len(chosen) != 1:
            raise forms.ValidationError(_("Choose exactly one unit, place or student for the responsibility."))
        data.update(targets)
        return data


class EndAssignmentForm(Form):
    end_date = forms.DateField(label=_("Last day"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = timezone.localdate()
        _style(self)


class HandoverForm(Form):
    to_staff = forms.IntegerField(label=_("Hand over to"), widget=forms.HiddenInput)
    on = forms.DateField(label=_("First day of the new holder"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, staff_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff_qs = staff_qs
        self.fields["on"].initial = timezone.localdate()
        _style(self)

    def clean_to_staff(self):
        found = self.staff_qs.filter(pk=self.cleaned_data["to_staff"]).first()
        if found is None:
            raise forms.ValidationError(_("Choose from the list."))
        return found


class AssignmentFilterForm(Form):
    q = forms.CharField(
        label=_("Search"), required=False, widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Staff or target name")})
    )
    role = forms.ChoiceField(label=_("Role"), required=False)
    on = forms.DateField(label=_("In force on"), required=False, widget=DateInput)
    current = forms.BooleanField(label=_("Only those in force"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All")), *assignment_role_choices()]
        _style(self)


class CoverageFilterForm(Form):
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput)
    at = forms.DateTimeField(
        label=_("At a given time"),
        required=False,
        widget=DateTimeInput,
        help_text=_("Who is responsible at that moment (duty shifts); the date is then ignored."),
    )
    campus = forms.ModelChoiceField(label=_("Campus"), queryset=Place.objects.none(), required=False)
    college = forms.ModelChoiceField(label=_("College"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, campuses, colleges, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campus"].queryset = campuses
        self.fields["college"].queryset = colleges
        _style(self)


class OnDateForm(Form):
    on = forms.DateField(label=_("Responsible on"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
