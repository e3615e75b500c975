"""Forms validate input and say what to do; saving is the services' job."""

from __future__ import annotations

import re

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from diepholz_coord import access

from .domain import WEEKDAYS
from .models import Course, Membership, Provider, Venue
from .services import enrolled_count


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


# Courses of the county's programme exist since 2015; a year outside this range is a typing error.
FIRST_YEAR = 2015
LAST_YEAR = 2099


class CourseForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"), choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Course
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
            Row(Column("target_group", css_class="col-md-8"), Column("childcare", css_class="col-md-4 pt-md-4")),
        )
        for name in ("capacity", "min_size", "teaching_units"):
            self.fields[name].widget.attrs["min"] = 0
        self.fields["capacity"].error_messages["min_value"] = _("The capacity cannot be negative.")

    def clean(self):
        data = super().clean()
        provider, venue = data.get("provider"), data.get("venue")
        if venue and provider and venue.provider_id != provider.pk:
            self.add_error(
                "venue",
                _("This venue belongs to another provider. Choose one of %(provider)s.") % {"provider": provider.name},
            )
        if venue:
            data["municipality"] = venue.municipality
        elif not data.get("municipality"):
            self.add_error("municipality", _("Choose a venue, or the municipality of an online course."))
        start, end = data.get("start_date"), data.get("end_date")
        for name, day in (("start_date", start), ("end_date", end)):
            if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(
                    name,
                    _("Please enter a date between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
                )
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        level_from, level_to = data.get("level_from"), data.get("level_to")
        if level_from is not None and level_to is not None and level_to < level_from:
            self.add_error("level_to", _("The target level must not be below the entry level."))
        capacity, min_size = data.get("capacity"), data.get("min_size")
        if capacity is not None and capacity < 1:
            self.add_error("capacity", _("The capacity must be at least 1."))
        if capacity is not None and min_size is not None and min_size > capacity:
            self.add_error("min_size", _("The minimum size must not exceed the capacity."))
        enrolled = enrolled_count(self.instance)
        if capacity is not None and capacity < enrolled:
            self.add_error(
                "capacity",
                _("%(enrolled)s people are enrolled in this course; the capacity cannot be lower than that.")
                % {"enrolled": enrolled},
            )
        elif (
            capacity is not None
            and self.instance.pk
            and self.instance.free_places is not None
            and capacity - enrolled < self.instance.free_places
        ):
            self.add_error(
                "capacity",
                _(
                    "%(free)s free places are reported for this course. Report fewer free places before "
                    "lowering the capacity below that."
                )
                % {"free": self.instance.free_places},
            )
        time_from, time_to = data.get("time_from"), data.get("time_to")
        if bool(time_from) != bool(time_to):
            self.add_error("time_to" if time_from else "time_from", _("Please enter both times, or neither."))
        if time_from and time_to and time_to <= time_from:
            self.add_error("time_to", _("The end time must be after the start time."))
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
