import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.domain import Level
from courses.models import Municipality
from diepholz_coord.forms import FastChoiceFilter, StrictModelChoiceFilter

from .models import Participant


class ParticipantFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = FastChoiceFilter(
        label=_("Status"),
        choices=[c for c in Participant.Status.choices if c[0] != Participant.Status.ANONYMISED],
        empty_label=_("all"),
    )
    level = FastChoiceFilter(label=_("Level"), choices=Level.choices, empty_label=_("all"))
    municipality = StrictModelChoiceFilter(
        label=_("Municipality"), queryset=Municipality.objects.all(), empty_label=_("all"), label_field="name"
    )
    waiting = FastChoiceFilter(
        label=_("Waiting list"),
        choices=[("yes", _("with an open course wish")), ("no", _("without an open course wish"))],
        method="filter_waiting",
        empty_label=_("all"),
    )

    class Meta:
        model = Participant
        fields = ["q", "status", "level", "municipality", "waiting"]

    def filter_search(self, queryset, name, value):
        terms = value.split()
        for term in terms:
            queryset = queryset.filter(
                Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(code__iexact=term)
            )
        return queryset

    def filter_waiting(self, queryset, name, value):
        has_wish = Q(wishes__status="open")
        return queryset.filter(has_wish).distinct() if value == "yes" else queryset.exclude(has_wish)
