"""Validation only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Provider

from .models import ActionItem, AgendaItem, Body, MinutesEntry


class BodyFilterForm(forms.Form):
    body = forms.ChoiceField(label=_("Body"), choices=[("", _("all bodies")), *Body.choices], required=False)
    past = forms.BooleanField(label=_("show past meetings"), required=False)


class ProposeItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class MinutesForm(forms.ModelForm):
    class Meta:
        model = MinutesEntry
        fields = ["notes", "decisions"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3, "class": "form-control form-control-sm"}),
            "decisions": forms.Textarea(attrs={"rows": 3, "class": "form-control form-control-sm"}),
        }


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["title", "owner_provider", "due_on", "item"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_provider"].queryset = Provider.objects.filter(active=True).order_by("name")
        self.fields["owner_provider"].required = True
        self.fields["item"].queryset = meeting.items.order_by("position", "pk")
        self.fields["item"].required = False
