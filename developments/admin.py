from django.contrib import admin

from .models import Assessment, Development


class AssessmentInline(admin.TabularInline):
    """Assessments are recorded through the log's pages (developments.services), which also audit them."""

    model = Assessment
    extra = 0
    can_delete = False
    fields = ["department", "verdict", "consequences", "meeting", "assessed_by", "assessed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Development)
class DevelopmentAdmin(admin.ModelAdmin):
    list_display = ["title", "level", "dated", "concerns_courses"]
    list_filter = ["level", "concerns_courses"]
    search_fields = ["title", "source", "summary"]
    date_hierarchy = "dated"
    inlines = [AssessmentInline]
    readonly_fields = ["created_by", "created_at", "updated_at"]
