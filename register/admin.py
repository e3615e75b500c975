from django.contrib import admin

from .models import Actor, Department


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
