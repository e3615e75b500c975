"""Validation only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Provider
from diepholz_coord.forms import StrictModelChoiceField, strict_formfield

from .models import ActionItem, AgendaItem, Body, Meeting, MeetingSeries, MinutesEntry


class BodyFilterForm(forms.Form):
    body = forms.ChoiceField(
        label=_("Body"),
        choices=[("", _("all bodies")), *Body.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
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
        fields = ["title", "owner_department", "owner_provider", "due_on", "item"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        field_classes = {
            "owner_department": StrictModelChoiceField,
            "owner_provider": StrictModelChoiceField,
            "item": StrictModelChoiceField,
        }

    def __init__(self, *args, meeting, **kwargs):
        from register.models import Department

        super().__init__(*args, **kwargs)
        self.fields["owner_provider"].queryset = Provider.objects.filter(active=True).order_by("name")
        self.fields["owner_department"].queryset = Department.objects.filter(active=True).order_by("position", "name")
        self.fields["item"].queryset = meeting.items.order_by("position", "pk")
        self.fields["item"].required = False

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("owner_provider")) == bool(cleaned.get("owner_department")):
            raise forms.ValidationError(_("Please choose either a department or a provider as responsible."))
        return cleaned


class SeriesForm(forms.ModelForm):
    class Meta:
        model = MeetingSeries
        formfield_callback = strict_formfield
        fields = [
            "name", "body", "week_of_month", "weekday", "interval_months", "first_month", "start_time",
            "duration_minutes", "location", "agenda_lead_days", "default_sections", "invited_providers",
            "invited_users", "active",
        ]  # fmt: skip
        widgets = {
            "first_month": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "default_sections": forms.Textarea(attrs={"rows": 5}),
            "invited_providers": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        from diepholz_coord import access

        from . import agenda

        # The agenda's sections: a position each (empty: not on this series' agenda).
        layout = agenda.layout_for(self.instance) if self.instance.pk else []
        self.section_fields = []
        for key, title in agenda.section_titles():
            name = f"section_{key}"
            self.fields[name] = forms.IntegerField(
                label=title, required=False, min_value=1, max_value=99,
                initial=layout.index(key) + 1 if key in layout else None,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm w-5rem"}),
            )  # fmt: skip
            self.section_fields.append(name)
        self.fields["invited_providers"].queryset = Provider.objects.filter(active=True).order_by("name")
        # People invited by name: county staff and the coordination (providers are invited as a whole).
        self.fields["invited_users"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(groups__name__in=[access.COORDINATOR_GROUP, access.COUNTY_STAFF_GROUP]) | Q(is_superuser=True))
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.fields["invited_users"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["invited_users"].widget = forms.CheckboxSelectMultiple()
        self.fields["invited_users"].widget.choices = self.fields["invited_users"].choices

    def clean(self):
        cleaned = super().clean()
        positions: dict[int, str] = {}
        for name in self.section_fields:
            position = cleaned.get(name)
            if position is None:
                continue
            if position in positions:
                self.add_error(name, _("Position %(n)d is used twice; give every section its own.") % {"n": position})
            positions[position] = name.removeprefix("section_")
        # Empty everywhere: the body's default order.
        cleaned["agenda_layout"] = [positions[n] for n in sorted(positions)]
        return cleaned

    def layout_rows(self):
        return [self[name] for name in self.section_fields]


class MeetingEditForm(forms.ModelForm):
    """Move a single meeting (date, time, place) or cancel it; the rule of the series stays."""

    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label=_("start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("end"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    cancelled = forms.BooleanField(label=_("The meeting is cancelled"), required=False)

    class Meta:
        model = Meeting
        fields = ["location", "moved_reason"]

    def clean_day(self):
        import datetime

        from django.utils import timezone

        day = self.cleaned_data["day"]
        today = timezone.localdate()
        if not today - datetime.timedelta(days=366) <= day <= today + datetime.timedelta(days=3 * 366):
            raise forms.ValidationError(_("Please choose a date between one year ago and three years ahead."))
        return day

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The meeting must end after it starts."))
        return data


class ItemSlotForm(forms.Form):
    slot_start = forms.TimeField(label=_("from"), required=False)
    slot_end = forms.TimeField(label=_("until"), required=False)
    presenter = forms.CharField(label=_("presented by"), max_length=120, required=False)
