"""Forms validate input and say what to do; saving is the services' job."""

from __future__ import annotations

import re

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from diepholz_coord import access
from diepholz_coord.forms import strict_formfield

from .domain import TARGET_GROUP_FIELDS, WEEKDAYS, CourseType, target_group_defaults
from .models import Course, Membership, Provider, Venue
from .rules import course_as_saved, course_rule_errors


class FreePlacesForm(forms.Form):
    free_places = forms.IntegerField(
        label=_("Free places"),
        min_value=0,
        error_messages={
            "required": _("Please enter the number of free places."),
            "invalid": _("Please enter a whole number."),
            "min_value": _("The number of free places cannot be negative."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, course: Course, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course
        self.fields["free_places"].max_value = course.capacity
        self.fields["free_places"].widget.attrs.update({"min": 0, "max": course.capacity})

    def clean_free_places(self):
        value = self.cleaned_data["free_places"]
        if value > self.course.capacity:
            raise forms.ValidationError(
                _("The course has only %(capacity)s places; enter at most %(capacity)s."),
                params={"capacity": self.course.capacity},
                code="above_capacity",
            )
        return value


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class CourseForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"), choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Course
        formfield_callback = strict_formfield
        fields = [
            "provider",
            "title",
            "course_type",
            "funder",
            "level_from",
            "level_to",
            "venue",
            "municipality",
            "start_date",
            "end_date",
            "weekdays",
            "time_from",
            "time_to",
            "teaching_units",
            "capacity",
            "min_size",
            "childcare",
            "women_only",
            "age_min",
            "age_max",
            "parents_only",
            "literacy_learners",
            "target_group",
            "status",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "time_from": TimeInput(),
            "time_to": TimeInput(),
        }
        help_texts = {"municipality": _("Taken from the venue when a venue is chosen.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        providers = access.manageable_providers(user)
        if self.instance.pk:
            # A course stays with its provider, even when that provider has been switched off since.
            providers = Provider.objects.filter(pk=self.instance.provider_id)
        self.fields["provider"].queryset = providers
        self.fields["provider"].error_messages["invalid_choice"] = _(
            "You can only create courses for a provider you manage. Choose one from the list."
        )
        self.fields["venue"].queryset = Venue.objects.filter(provider__in=providers).select_related(
            "municipality", "provider"
        )
        self.fields["venue"].error_messages["invalid_choice"] = _(
            "This venue is not one of your provider's venues. Choose one from the list, or add the venue on the "
            "provider's page first."
        )
        self.fields["venue"].label_from_instance = lambda v: f"{v.provider.name}: {v}"
        self.fields["municipality"].required = False
        if self.instance.status != Course.Status.CANCELLED:
            # Cancelling has its own page, with a reason.
            self.fields["status"].choices = [c for c in Course.Status.choices if c[0] != Course.Status.CANCELLED]
        if self.instance.pk:
            # A course stays with its provider.
            self.fields["provider"].disabled = True
        elif providers.count() == 1:
            self.fields["provider"].initial = providers.first()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("provider", css_class="col-md-6"), Column("title", css_class="col-md-6")),
            Row(Column("course_type", css_class="col-md-6"), Column("funder", css_class="col-md-6")),
            Row(
                Column("level_from", css_class="col-6 col-md-3"),
                Column("level_to", css_class="col-6 col-md-3"),
                Column("status", css_class="col-md-6"),
            ),
            Row(Column("venue", css_class="col-md-6"), Column("municipality", css_class="col-md-6")),
            Row(
                Column("start_date", css_class="col-6 col-md-3"),
                Column("end_date", css_class="col-6 col-md-3"),
                Column("time_from", css_class="col-6 col-md-3"),
                Column("time_to", css_class="col-6 col-md-3"),
            ),
            InlineCheckboxes("weekdays"),
            Row(
                Column("teaching_units", css_class="col-4"),
                Column("capacity", css_class="col-4"),
                Column("min_size", css_class="col-4"),
            ),
            Row(Column("childcare", css_class="col-md-4")),
            Fieldset(
                _("Target group"),
                HTML(
                    '<p class="small text-body-secondary">'
                    + str(
                        _(
                            "Set from the course type; change it where the course deviates. The matching only "
                            "suggests the course to people in this group."
                        )
                    )
                    + "</p>"
                ),
                Row(
                    Column("women_only", css_class="col-6 col-md-3"),
                    Column("parents_only", css_class="col-6 col-md-3"),
                    Column("literacy_learners", css_class="col-12 col-md-6"),
                ),
                Row(
                    Column("age_min", css_class="col-6 col-md-3"),
                    Column("age_max", css_class="col-6 col-md-3"),
                    Column("target_group", css_class="col-md-6"),
                ),
                css_id="target-group",
            ),
        )
        # The course type's target group, for the page's script to fill in when the type changes.
        self.target_group_defaults = {code: target_group_defaults(code) for code, _label in CourseType.choices}
        for name in ("capacity", "min_size", "teaching_units", "age_min", "age_max"):
            self.fields[name].widget.attrs["min"] = 0
        self.fields["capacity"].error_messages["min_value"] = _("The capacity cannot be negative.")

    def clean(self):
        data = super().clean()
        venue = data.get("venue")
        if venue:
            data["municipality"] = venue.municipality
        if not self.instance.pk and not any(data.get(f) for f in TARGET_GROUP_FIELDS):
            # Nothing said about the target group: course_create takes the course type's (courses.domain).
            for field in TARGET_GROUP_FIELDS:
                data.pop(field, None)
        for field, messages in course_rule_errors(course_as_saved(self.instance, data)).items():
            if field in self.errors:
                continue  # the field's own message says it already (e.g. "enter a valid date")
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return data


class CourseCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancellation"),
        max_length=300,
        error_messages={"required": _("Please give a reason for the cancellation.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProviderForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Provider
        formfield_callback = strict_formfield
        fields = [
            "name",
            "kind",
            "municipality",
            "address",
            "contact_name",
            "email",
            "phone",
            "website",
            "active",
        ]

    def clean_name(self):
        # The database refuses names that differ only in case (PostgreSQL); SQLite lowercases ASCII only,
        # so compare here as well, with Python's full Unicode case folding ("TRÄGER" = "träger").
        name = " ".join(self.cleaned_data["name"].split())
        folded = name.casefold()
        others = Provider.objects.exclude(pk=self.instance.pk).values_list("name", flat=True)
        if any(other.casefold() == folded for other in others):
            raise forms.ValidationError(_("A provider with this name exists already."))
        return name


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        formfield_callback = strict_formfield
        fields = [
            "name",
            "street",
            "postcode",
            "town",
            "municipality",
            "accessible",
            "childcare_on_site",
            "transport_note",
        ]

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"].strip()
        if postcode and not re.fullmatch(r"[0-9]{5}", postcode):
            raise forms.ValidationError(_("A German postcode has five digits."))
        return postcode


class StaffAccountForm(forms.Form):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @ . + - _ only."),
        error_messages={"invalid": _("Use only letters, digits and @ . + - _ in the user name.")},
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.STAFF)
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Repeat password"), strip=False, widget=forms.PasswordInput)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken. Please choose another one."))
        return username

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            user = get_user_model()(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
