from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from courses.forms import DateInput
from courses.models import Municipality, Provider
from diepholz_coord.forms import StrictModelChoiceField

from . import selectors
from .models import Handover


class StepForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ChecklistForm(forms.ModelForm):
    class Meta:
        model = Handover
        fields = [
            "eligibility",
            "eligibility_issuer",
            "eligibility_expires_on",
            "fee_exempt",
            "placement_level",
            "placement_on",
            "last_module",
            "units_used",
            "attendance_confirmed",
            "certificates",
            "constraints",
            "reason",
        ]
        widgets = {"eligibility_expires_on": DateInput(), "placement_on": DateInput()}

    def clean_units_used(self):
        units = self.cleaned_data.get("units_used")
        if units is not None and units > 1300:
            raise forms.ValidationError(_("At most 1,300 teaching units are funded; please check the figure."))
        return units


class BoardFilterForm(forms.Form):
    provider = StrictModelChoiceField(
        label=_("Provider"), queryset=Provider.objects.filter(active=True), required=False, empty_label=_("all")
    )
    municipality = StrictModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.all(), required=False, empty_label=_("all")
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=[("", _("all")), *Handover._meta.get_field("wanted_level").choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("all")), *Handover.Status.choices], required=False)
    due_within = forms.TypedChoiceField(
        label=_("Due within"),
        choices=[("", _("any time")), (0, _("overdue")), (7, _("1 week")), (14, _("2 weeks"))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    unanswered = forms.BooleanField(label=_("Offers unanswered for more than a week"), required=False)


class AgreedInForm(forms.Form):
    """The meeting a handover was agreed in (coordination only): a held or imminent one, or none."""

    agreed_in = StrictModelChoiceField(
        label=capfirst(Handover._meta.get_field("agreed_in").verbose_name),
        queryset=None,
        required=False,
        empty_label="–",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, handover: Handover, **kwargs):
        kwargs.setdefault("initial", {"agreed_in": handover.agreed_in_id})
        super().__init__(*args, **kwargs)
        self.fields["agreed_in"].queryset = selectors.meetings_to_agree_in(current_id=handover.agreed_in_id)
