import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diepholz_coord import access
from diepholz_coord.forms import FastChoiceFilter, StrictModelChoiceFilter

from .domain import CourseType, Level
from .models import Course, Municipality, Provider

SCOPE_MINE, SCOPE_ALL = "mine", "all"


class CourseFilter(django_filters.FilterSet):
    # Providers see their own courses first and switch to the whole district (county roles always see all).
    scope = FastChoiceFilter(
        label=_("Show"),
        choices=[(SCOPE_MINE, _("my provider's courses")), (SCOPE_ALL, _("all courses in the district"))],
        method="filter_scope",
        empty_label=None,
    )
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    course_type = FastChoiceFilter(label=_("Course type"), choices=CourseType.choices, empty_label=_("all"))
    level = FastChoiceFilter(
        label=_("Entry level"), field_name="level_from", choices=Level.choices, empty_label=_("all")
    )
    municipality = StrictModelChoiceFilter(
        label=_("Municipality"), queryset=Municipality.objects.all(), empty_label=_("all"), label_field="name"
    )
    provider = StrictModelChoiceFilter(
        label=_("Provider"), queryset=Provider.objects.none(), empty_label=_("all"), label_field="name"
    )
    status = FastChoiceFilter(
        label=_("Status"),
        choices=[("bookable", _("current and upcoming")), *Course.Status.choices],
        method="filter_status",
        empty_label=_("all"),
    )
    starts_within = FastChoiceFilter(
        label=_("Starts within"),
        choices=[("14", _("2 weeks")), ("28", _("4 weeks")), ("56", _("8 weeks")), ("91", _("3 months"))],
        method="filter_starts_within",
        empty_label=_("any time"),
    )
    report = FastChoiceFilter(
        label=_("Free-places report"),
        choices=[("stale", _("stale or missing"))],
        method="filter_report",
        empty_label=_("all"),
    )
    free = FastChoiceFilter(
        label=_("Free places"),
        choices=[("yes", _("only with free places"))],
        method="filter_free",
        empty_label=_("all"),
    )

    class Meta:
        model = Course
        fields = [
            "scope",
            "q",
            "course_type",
            "level",
            "municipality",
            "provider",
            "status",
            "starts_within",
            "report",
            "free",
        ]

    def __init__(self, data=None, *args, user, **kwargs):
        self.user = user
        self.scoped = not access.sees_whole_district(user)
        if data is not None:
            data = data.copy()
            # Without a choice, show what people look for: current and upcoming courses ("all" sends status="")
            # and, for a provider, its own courses.
            data.setdefault("status", "bookable")
            if self.scoped:
                data.setdefault("scope", SCOPE_MINE)
        super().__init__(data, *args, **kwargs)
        if not self.scoped:
            del self.filters["scope"]
        # Providers' names are public (the district's offer); the list of all active ones to choose from.
        self.filters["provider"].queryset = Provider.objects.filter(active=True)

    def filter_scope(self, queryset, name, value):
        provider = self.form.cleaned_data.get("provider")
        if value == SCOPE_ALL or (provider is not None and provider.pk not in access.provider_ids_for(self.user)):
            # Another provider chosen in the provider filter: its courses, whatever "show" says.
            return queryset
        return queryset.filter(provider_id__in=access.provider_ids_for(self.user))

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(provider__name__icontains=value))

    def filter_status(self, queryset, name, value):
        if value == "bookable":
            return queryset.bookable()
        return queryset.filter(status=value)

    def filter_starts_within(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(start_date__gte=today, start_date__lte=today + datetime.timedelta(days=int(value)))

    def filter_report(self, queryset, name, value):
        # Stale: bookable, with the newest report missing or older than STALE_REPORT_DAYS (Course.objects.stale).
        return queryset.filter(pk__in=Course.objects.stale().values("pk"))

    def filter_free(self, queryset, name, value):
        # The queryset comes annotated with the places (courses.selectors.courses_visible_to).
        return queryset.filter(places_available__gt=0)
