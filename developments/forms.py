"""Validation only; developments.services decides."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from diepholz_coord.forms import StrictModelChoiceField, StrictModelMultipleChoiceField
from register.models import Department

from .models import Assessment, Development

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeetingChoiceField(StrictModelChoiceField):
    def label_from_instance(self, meeting):
        return f"{date_format(timezone.localtime(meeting.starts_at).date(), 'SHORT_DATE_FORMAT')} – {meeting.series}"


class DevelopmentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    ebene = forms.ChoiceField(
        label=pgettext_lazy("government level", "Level"),
        required=False,
        choices=[("", _("all")), *Development.Level.choices],
    )
    fachdienst = StrictModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.none(), empty_label=_("all")
    )
    offen = forms.BooleanField(label=_("only with open assessments"), required=False)

    def __init__(self, *args, departments, internal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fachdienst"].queryset = departments
        if not internal:  # providers filter by text and level only (no assessments to filter by)
            del self.fields["fachdienst"], self.fields["offen"]


class DevelopmentForm(forms.ModelForm):
    source_url = forms.URLField(
        label=_("link to the source"),
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )
    departments = StrictModelMultipleChoiceField(
        label=_("Departments asked for an assessment"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please choose at least one department to assess the development.")},
    )

    class Meta:
        model = Development
        fields = [
            "title", "level", "source", "source_url", "dated", "summary", "affected_groups", "concerns_courses",
        ]  # fmt: skip
        widgets = {"dated": DATE_WIDGET, "summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments
        if self.instance.pk:
            self.initial.setdefault("departments", [a.department_id for a in self.instance.assessments.all()])


class AssessmentForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Is the department affected?"),
        choices=[c for c in Assessment.Verdict.choices if c[0] != Assessment.Verdict.PENDING],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please say whether the department is affected.")},
    )
    consequences = forms.CharField(
        label=_("What follows"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the department will do, or why nothing needs to be done."),
    )
    meeting = MeetingChoiceField(
        label=_("recorded in meeting"),
        required=False,
        queryset=None,
        empty_label=_("– between meetings –"),
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings


class MeasureForm(forms.Form):
    title = forms.CharField(label=_("Measure"), max_length=300)
    department = StrictModelChoiceField(label=_("Department responsible"), queryset=Department.objects.none())
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE_WIDGET)
    meeting = MeetingChoiceField(
        label=_("decided in meeting"),
        queryset=None,
        error_messages={"required": _("Measures are decided in an Aktionsplan meeting; please choose it.")},
    )

    def __init__(self, *args, meetings, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["department"].queryset = departments
