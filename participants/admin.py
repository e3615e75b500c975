"""Participants in Django's admin: a read-only list for the coordinator's admin account, by pseudonym code.

The app's own pages are where participants are registered, changed, handed over and erased (with consent, the
audit trail and the erasure rules). The admin shows no names, dates of birth, languages or notes (personal data
crosses providers only with recorded consent, and the admin knows no consent), and changes nothing: no adding,
no editing, no deleting.
"""

from django.contrib import admin

from .models import Enrollment, Participant

# Personal fields the admin never shows.
PERSONAL_FIELDS = ["first_name", "last_name", "birth_year", "birth_date", "gender", "first_languages", "notes"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    fields = ["course", "status", "enrolled_on", "ended_on"]
    readonly_fields = fields
    extra = 0
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ["code", "provider", "municipality", "level", "status", "last_activity_at"]
    list_filter = ["status", "level", "literacy", "route", "municipality"]
    search_fields = ["code"]
    list_select_related = ["provider", "municipality"]
    exclude = PERSONAL_FIELDS
    inlines = [EnrollmentInline]
    show_full_result_count = False  # a second COUNT over the whole table on every page is not needed
