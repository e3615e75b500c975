"""Forms validate input and say what to do; saving is the services' job."""

from __future__ import annotations

import datetime

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.domain import CourseType, Level
from courses.forms import DateInput
from courses.models import Course, Municipality, Provider
from diepholz_coord.forms import StrictModelChoiceField, StrictModelMultipleChoiceField, strict_formfield

from .models import Consent, CourseWish, Enrollment, Participant, TimeOfDay

FIRST_BIRTH_YEAR = 1900


class ParticipantForm(forms.ModelForm):
    times = forms.MultipleChoiceField(
        label=_("Possible times"), choices=TimeOfDay.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    confirm_duplicate = forms.BooleanField(label=_("This is a different person: register anyway"), required=False)

    class Meta:
        model = Participant
        formfield_callback = strict_formfield
        fields = [
            "provider",
            "first_name",
            "last_name",
            "birth_year",
            "birth_date",
            "gender",
            "municipality",
            "first_languages",
            "literacy",
            "level",
            "level_assessed_on",
            "level_assessed_how",
            "route",
            "residence_status",
            "needs_childcare",
            "is_parent",
            "times",
            "mobility",
            "notes",
            "status",
        ]
        widgets = {
            "birth_date": DateInput(),
            "level_assessed_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "first_languages": _("Separate several languages with commas."),
            "residence_status": _("Optional. Record it only where it is needed for the course route."),
            "notes": _("Only what is needed for course planning; no health details."),
        }

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates: list[Participant] = []
        if self.instance.pk:
            del self.fields["provider"]
            del self.fields["confirm_duplicate"]
        else:
            self.fields["provider"].queryset = providers
            self.fields["provider"].error_messages["invalid_choice"] = _(
                "You can only register participants for your own provider."
            )
            if providers.count() == 1:
                self.fields["provider"].initial = providers.first()
            self.fields["status"].widget = forms.HiddenInput()
            self.fields["status"].initial = Participant.Status.ACTIVE
        if "status" in self.fields and self.instance.pk:
            self.fields["status"].choices = [
                c for c in Participant.Status.choices if c[0] != Participant.Status.ANONYMISED
            ]
        self.fields["birth_year"].widget.attrs.update({"min": FIRST_BIRTH_YEAR, "max": timezone.localdate().year})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *(["provider"] if "provider" in self.fields else []),
            Row(Column("first_name", css_class="col-md-6"), Column("last_name", css_class="col-md-6")),
            Row(
                Column("birth_year", css_class="col-6 col-md-3"),
                Column("birth_date", css_class="col-6 col-md-3"),
                Column("gender", css_class="col-6 col-md-3"),
                Column("municipality", css_class="col-6 col-md-3"),
            ),
            Row(Column("first_languages", css_class="col-md-6"), Column("literacy", css_class="col-md-6")),
            Row(
                Column("level", css_class="col-4"),
                Column("level_assessed_on", css_class="col-4"),
                Column("level_assessed_how", css_class="col-4"),
            ),
            Row(Column("route", css_class="col-md-6"), Column("residence_status", css_class="col-md-6")),
            Row(
                Column("needs_childcare", css_class="col-md-3 pt-md-4"),
                Column("is_parent", css_class="col-md-3"),
                Column("mobility", css_class="col-md-6"),
            ),
            InlineCheckboxes("times"),
            "notes",
            Field("status"),
            *(["confirm_duplicate"] if "confirm_duplicate" in self.fields else []),
        )

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year is not None and not FIRST_BIRTH_YEAR <= year <= timezone.localdate().year:
            raise forms.ValidationError(
                _("Please enter a year of birth between %(first)s and %(last)s."),
                params={"first": FIRST_BIRTH_YEAR, "last": timezone.localdate().year},
            )
        return year

    def clean(self):
        from .services import possible_duplicates

        data = super().clean()
        birth_date, birth_year = data.get("birth_date"), data.get("birth_year")
        if birth_date:
            if birth_date > timezone.localdate() or birth_date.year < FIRST_BIRTH_YEAR:
                self.add_error("birth_date", _("Please enter a plausible date of birth."))
            elif birth_year and birth_year != birth_date.year:
                self.add_error("birth_year", _("The year of birth does not match the date of birth."))
            else:
                data["birth_year"] = birth_date.year
        if data.get("level_assessed_on") and data["level_assessed_on"] > timezone.localdate():
            self.add_error("level_assessed_on", _("The assessment date cannot be in the future."))
        if not self.instance.pk and data.get("first_name") and data.get("last_name"):
            self.duplicates = list(
                possible_duplicates(
                    first_name=data["first_name"], last_name=data["last_name"], birth_year=data.get("birth_year")
                ).select_related("provider")
            )
            if self.duplicates and not data.get("confirm_duplicate"):
                self.add_error(
                    "confirm_duplicate",
                    _(
                        "A person with these names and this year of birth is already registered in the district. "
                        "Please check whether it is the same person before you register them again."
                    ),
                )
        return data


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        formfield_callback = strict_formfield
        fields = ["purpose", "recipient", "given_on", "form", "language", "expires_on"]
        widgets = {"given_on": DateInput(), "expires_on": DateInput()}
        help_texts = {
            "recipient": _("Only for a handover: the provider that may receive the data."),
            "language": _("The language in which the consent was explained, e.g. Arabic."),
        }

    def __init__(self, *args, participant: Participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant = participant
        self.fields["recipient"].queryset = Provider.objects.filter(active=True).exclude(pk=participant.provider_id)
        self.fields["given_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        purpose, recipient = data.get("purpose"), data.get("recipient")
        if purpose == Consent.Purpose.HANDOVER and not recipient:
            self.add_error("recipient", _("Please name the provider the data may be handed over to."))
        if purpose == Consent.Purpose.MEETING:
            data["recipient"] = None
        given_on, expires_on = data.get("given_on"), data.get("expires_on")
        if given_on and given_on > timezone.localdate():
            self.add_error("given_on", _("A consent cannot be recorded before it is given."))
        if given_on and expires_on and expires_on < given_on:
            self.add_error("expires_on", _("A consent cannot expire before it was given."))
        return data


class WishForm(forms.ModelForm):
    course_types = forms.MultipleChoiceField(
        label=_("Course types"), choices=CourseType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    times = forms.MultipleChoiceField(
        label=_("Times"), choices=TimeOfDay.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    municipalities = StrictModelMultipleChoiceField(
        label=_("Acceptable municipalities"),
        queryset=Municipality.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CourseWish
        fields = ["level", "course_types", "municipalities", "max_distance_km", "times", "childcare", "priority"]

    def __init__(self, *args, participant: Participant, **kwargs):
        super().__init__(*args, **kwargs)
        if participant.level is not None:
            self.fields["level"].initial = participant.level
        self.fields["municipalities"].initial = [participant.municipality_id]
        self.fields["childcare"].initial = participant.needs_childcare
        self.fields["max_distance_km"].widget.attrs.update({"min": 1, "max": 100})

    def clean_max_distance_km(self):
        value = self.cleaned_data.get("max_distance_km")
        if value is not None and not 1 <= value <= 100:
            raise forms.ValidationError(_("Please enter a distance between 1 and 100 km."))
        return value

    def clean(self):
        data = super().clean()
        if not data.get("municipalities") and not data.get("max_distance_km"):
            self.add_error("municipalities", _("Choose at least one municipality, or give a maximum distance."))
        return data


class EnrolForm(forms.Form):
    ENROL = "enrol"
    WAIT = "wait"

    course = StrictModelChoiceField(
        label=_("Course"),
        queryset=Course.objects.none(),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a course."),
            "invalid_choice": _("This course cannot be chosen (any more). Please choose one from the list."),
        },
    )
    action = forms.ChoiceField(
        label=_("What to do"),
        choices=[(ENROL, _("Enrol now")), (WAIT, _("Put on the course's waiting list"))],
        initial=ENROL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        self.fields["course"].label_from_instance = lambda c: c.title


class CompleteForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput())
    level_reached = forms.TypedChoiceField(
        label=_("Level reached"), choices=[("", "–"), *Level.choices], coerce=int, empty_value=None, required=False
    )
    exam_result = forms.ChoiceField(
        label=_("Exam result"), choices=[("", "–"), *Enrollment.Exam.choices], required=False
    )

    def __init__(self, *args, enrollment: Enrollment, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrollment = enrollment
        self.fields["ended_on"].initial = min(enrollment.course.end_date, timezone.localdate())

    def clean_ended_on(self):
        day: datetime.date = self.cleaned_data["ended_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The end date cannot be in the future."))
        if self.enrollment.enrolled_on and day < self.enrollment.enrolled_on:
            raise forms.ValidationError(_("The end date cannot be before the enrolment."))
        return day
