"""Validation only; register.services decides."""

from __future__ import annotations

import datetime

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from courses.models import Provider
from diepholz_coord.forms import StrictModelChoiceField
from meetings.models import AgendaItem, Meeting

from . import selectors
from .models import Actor, Department, WorkflowVersion

DATE_WIDGET = {"type": "date"}
RESPONSIBLE_MODELS = {"department": Department, "provider": Provider, "actor": Actor}


class ResponsibleField(forms.ChoiceField):
    """One select for department / provider / actor ("department:3"), parsed strictly into the instance."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        parsed = selectors.parse_responsible(value)
        if parsed is None:
            raise forms.ValidationError(_("Please choose a responsible from the list."), code="invalid")
        return parsed

    def validate(self, value):
        if value is None:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return
        super().validate(f"{value[0]}:{value[1]}")

    def has_changed(self, initial, data):
        return (initial or "") != (data or "")


class MeetingChoiceField(StrictModelChoiceField):
    def label_from_instance(self, meeting):
        return f"{date_format(timezone.localtime(meeting.starts_at).date(), 'SHORT_DATE_FORMAT')} – {meeting.series}"


class ItemChoiceField(StrictModelChoiceField):
    def label_from_instance(self, item):
        day = date_format(timezone.localtime(item.meeting.starts_at).date(), "SHORT_DATE_FORMAT")
        return f"{day} – {item.title}"


class WorkflowFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    zustaendig = ResponsibleField(label=_("Responsible"), required=False)

    def __init__(self, *args, responsible_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zustaendig"].choices = [("", _("all")), *responsible_choices]


class VersionForm(forms.Form):
    """The fields of a version; the workflow's title only when creating one."""

    title = forms.CharField(label=_("title"), max_length=200)
    trigger = forms.CharField(
        label=_("what starts it"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The situation that starts the workflow, e.g. “A family with children of school age arrives”."),
    )
    summary = forms.CharField(
        label=_("summary and notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    decided_in = MeetingChoiceField(
        label=_("decided in"),
        queryset=Meeting.objects.none(),
        required=False,
        help_text=_("The meeting of the Aktionsbündnis Integration that decided this version."),
    )
    decided_item = ItemChoiceField(label=_("agenda item"), queryset=AgendaItem.objects.none(), required=False)
    valid_from = forms.DateField(label=_("valid from"), widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"))
    review_by = forms.DateField(
        label=_("review by"),
        required=False,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        help_text=_("Left empty: twelve months after the date the version is valid from."),
    )
    change_note = forms.CharField(
        label=_("what changed and why"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, with_title: bool, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.fields["title"]
        # Meetings held up to today (a version is recorded after the decision).
        meetings = (
            selectors.deciding_meetings()
            .filter(starts_at__date__lte=today)
            .select_related("series")
            .order_by("-starts_at")
        )
        self.fields["decided_in"].queryset = meetings
        self.fields["decided_item"].queryset = (
            AgendaItem.objects.filter(meeting__in=meetings)
            .select_related("meeting")
            .order_by("-meeting__starts_at", "position", "pk")
        )


class StepForm(forms.Form):
    title = forms.CharField(label=_("step"), max_length=200)
    responsible = ResponsibleField(label=_("responsible"))
    contact = forms.CharField(
        label=_("contact"),
        max_length=300,
        required=False,
        help_text=_("Left empty: the responsible's e-mail and phone."),
    )
    description = forms.CharField(
        label=_("description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, responsible_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = [("", "—"), *responsible_choices]


class BaseStepFormSet(forms.BaseFormSet):
    def steps(self) -> list[dict]:
        """The kept rows in the chosen order, each with its responsible as department / provider / actor."""
        instances = _load_responsibles(
            [form.cleaned_data["responsible"] for form in self.ordered_forms if form.cleaned_data]
        )
        steps = []
        for form in self.ordered_forms:
            data = form.cleaned_data
            if not data:
                continue
            kind, pk = data["responsible"]
            steps.append(
                {
                    "title": data["title"],
                    "description": data["description"],
                    "contact": data["contact"],
                    kind: instances[(kind, pk)],
                }
            )
        return steps


def _load_responsibles(keys: list[tuple[str, int]]) -> dict[tuple[str, int], object]:
    """One query per kind (not per row)."""
    found = {}
    for kind, model in RESPONSIBLE_MODELS.items():
        pks = {pk for k, pk in keys if k == kind}
        if pks:
            found.update({(kind, obj.pk): obj for obj in model.objects.filter(pk__in=pks)})
    return found


StepFormSet = formset_factory(
    StepForm,
    formset=BaseStepFormSet,
    extra=3,
    can_order=True,
    can_delete=True,
    max_num=30,
    validate_max=True,
    absolute_max=60,
)


def initial_from(version: WorkflowVersion) -> tuple[dict, list[dict]]:
    """Form and formset initial data from a version: what a change starts from (decision fields left empty)."""
    version_initial = {"trigger": version.trigger, "summary": version.summary}
    steps_initial = [
        {
            "title": step.title,
            "responsible": step.responsible_key,
            "contact": step.contact,
            "description": step.description,
        }
        for step in version.steps.all()
    ]
    return version_initial, steps_initial
