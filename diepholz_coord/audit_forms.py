"""The audit trail's filter: the coordinator's page (/protokoll/) and `manage.py audit_export` read the same."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participants.models import Participant

from . import audit_trail
from .forms import StrictModelChoiceField


class AuditFilterForm(forms.Form):
    person = forms.CharField(
        label=gettext_lazy("Person (code)"), required=False, max_length=20,
        help_text=gettext_lazy("The participant's code, e.g. TN-4K7Q2M."),
    )  # fmt: skip
    user = StrictModelChoiceField(
        label=gettext_lazy("User"), required=False, empty_label=gettext_lazy("all"),
        queryset=get_user_model().objects.order_by("username"),
    )  # fmt: skip
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("all")), *audit_trail.KINDS.items()]
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_person(self):
        code = self.cleaned_data["person"].strip().upper()
        if not code:
            return None
        participant = Participant.objects.filter(code=code).first()
        if participant is None:
            raise forms.ValidationError(_("No person has this code."))
        return participant

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end lies before the start."))
        return data

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "participant": data.get("person"),
            "user": data.get("user"),
            "kind": data.get("kind") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }
