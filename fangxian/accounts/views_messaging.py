"""A person binds their account to their WeCom / DingTalk user id (self-service)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.forms import Form

FIELDS = ("wecom_userid", "dingtalk_userid")


class MessengerForm(Form):
    wecom_userid = forms.CharField(
        label=gettext_lazy("WeCom user id"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Your UserID in the WeCom address book (企业微信 → 我的 → 个人信息)."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    dingtalk_userid = forms.CharField(
        label=gettext_lazy("DingTalk user id"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Your userid in the DingTalk address book."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean(self):
        from fangxian.org.models import Staff, Student

        data = super().clean()
        for name in FIELDS:
            value = (data.get(name) or "").strip()
            data[name] = value
            if not value:
                continue
            for model in (Staff, Student):
                others = model.objects.filter(institution_id=self.person.institution_id, **{name: value})
                if isinstance(self.person, model):
                    others = others.exclude(pk=self.person.pk)
                if others.exists():
                    self.add_error(name, _("Another person is bound to this user id; check it or ask your unit's administrator."))
        return data


def person_of(user):
    from fangxian.org.models import Staff, Student

    return Staff.objects.filter(user=user).first() or Student.objects.filter(user=user).first()


@login_required
def messaging(request):
    person = person_of(request.user)
    if person is None:
        messages.info(request, _("Your account does not belong to a staff member or student, so it cannot be bound."))
        return redirect("accounts:security")
    form = MessengerForm(
        request.POST if request.method == "POST" else None, person=person, initial={name: getattr(person, name) for name in FIELDS}
    )
    if request.method == "POST" and form.is_valid():
        from fangxian.org.services import person_save

        for name in FIELDS:
            setattr(person, name, form.cleaned_data[name])
        person_save(person=person)
        messages.success(request, _("Your WeCom / DingTalk binding has been saved."))
        return redirect("accounts:security")
    return render(request, "accounts/messaging.html", {"form": form})
