from django import forms
from django.contrib import admin

from .models import Course, Membership, Municipality, PlaceReport, Provider, Venue
from .rules import course_as_saved, course_rule_errors
from .services import track_cancellation


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "ars", "population"]
    search_fields = ["name", "ars"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class VenueInline(admin.StackedInline):
    model = Venue
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality", "active"]
    list_filter = ["kind", "active", "municipality"]
    search_fields = ["name"]
    inlines = [MembershipInline, VenueInline]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "municipality", "accessible", "childcare_on_site"]
    list_filter = ["municipality"]
    search_fields = ["name", "provider__name"]
    list_select_related = ["provider", "municipality"]


class PlaceReportInline(admin.TabularInline):
    model = PlaceReport
    extra = 0
    readonly_fields = ["free_places", "reported_by", "reported_at", "note"]
    can_delete = False


class CourseAdminForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = "__all__"  # noqa: DJ007 (ModelAdmin decides which fields it shows)

    def clean(self):
        data = super().clean()
        if not data.get("provider") and self.instance.provider_id:  # read-only in the admin once created
            data["provider"] = self.instance.provider
        for field, messages in course_rule_errors(course_as_saved(self.instance, data)).items():
            if field in self.errors:
                continue
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    form = CourseAdminForm
    list_display = [
        "title",
        "provider",
        "course_type",
        "level_from",
        "level_to",
        "start_date",
        "end_date",
        "status",
    ]
    list_filter = ["status", "course_type", "level_from", "municipality"]
    search_fields = ["title", "provider__name"]
    list_select_related = ["provider"]
    date_hierarchy = "start_date"
    # Free places change only through reports (courses.services.course_report_free_places).
    readonly_fields = ["free_places", "places_reported_at", "cancelled_at"]
    inlines = [PlaceReportInline]

    def get_readonly_fields(self, request, obj=None):
        # A course never moves to another provider: its reports and history belong to the provider.
        return [*self.readonly_fields, "provider"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        track_cancellation(obj)
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "provider", "role"]
    list_filter = ["role", "provider"]
    search_fields = ["user__username", "provider__name"]
    list_select_related = ["user", "provider"]
