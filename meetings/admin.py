from django.contrib import admin

from .models import ActionItem, AgendaItem, Attendance, Meeting, MeetingSeries, MinutesEntry


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "body", "week_of_month", "weekday", "interval_months", "start_time", "active"]
    list_filter = ["body", "active"]
    filter_horizontal = ["invited_providers", "invited_users"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["position", "kind", "section", "title"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["series", "starts_at", "status", "agenda_due_on", "agenda_pdf_state", "minutes_pdf_state"]
    list_filter = ["series__body", "status"]
    list_select_related = ["series"]
    date_hierarchy = "starts_at"
    readonly_fields = ["agenda_snapshot"]
    inlines = [AgendaItemInline, AttendanceInline]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "owner_department", "owner_provider", "owner_user", "due_on", "status", "meeting"]
    list_filter = ["status"]
    list_select_related = ["owner_provider", "owner_user", "owner_department", "meeting__series"]
    search_fields = ["title"]


@admin.register(MinutesEntry)
class MinutesEntryAdmin(admin.ModelAdmin):
    list_display = ["item", "updated_at"]
    list_select_related = ["item"]
