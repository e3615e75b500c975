from django.contrib import admin

from .models import Actor, Department, Workflow, WorkflowStep, WorkflowVersion


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "email", "phone", "active"]
    filter_horizontal = ["members"]
    search_fields = ["name", "code"]


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "email", "phone", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]


class ReadOnlyInline(admin.TabularInline):
    """Versions are recorded through the register's pages (register.services) and never changed afterwards."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(ReadOnlyInline):
    model = WorkflowVersion
    fields = ["number", "valid_from", "review_by", "decided_in", "change_note", "created_by", "created_at"]
    readonly_fields = fields


class StepInline(ReadOnlyInline):
    model = WorkflowStep
    fields = ["position", "title", "department", "provider", "actor", "contact"]
    readonly_fields = fields


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ["title", "created_at"]
    search_fields = ["title"]
    inlines = [VersionInline]


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(admin.ModelAdmin):
    list_display = ["workflow", "number", "valid_from", "review_by", "decided_in"]
    list_select_related = ["workflow", "decided_in__series"]
    inlines = [StepInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
