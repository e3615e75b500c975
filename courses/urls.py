from django.urls import path

from . import views
from .urls_io import urlpatterns as io_patterns

app_name = "courses"

urlpatterns = [
    path("kurse/", views.course_list, name="course_list"),
    path("kurse/neu/", views.course_create, name="course_create"),
    path("kurse/<int:pk>/", views.course_detail, name="course_detail"),
    path("kurse/<int:pk>/bearbeiten/", views.course_update, name="course_update"),
    path("kurse/<int:pk>/absagen/", views.course_cancel, name="course_cancel"),
    path("kurse/<int:pk>/freie-plaetze/", views.course_report_places, name="course_report_places"),
    path("uebersicht/", views.district_overview, name="district_overview"),
    path("traeger/", views.provider_list, name="provider_list"),
    path("traeger/neu/", views.provider_create, name="provider_create"),
    path("traeger/<int:pk>/", views.provider_detail, name="provider_detail"),
    path("traeger/<int:pk>/bearbeiten/", views.provider_update, name="provider_update"),
    path("traeger/<int:pk>/zugaenge/neu/", views.staff_create, name="staff_create"),
    path(
        "traeger/<int:pk>/zugaenge/<int:membership_pk>/entfernen/",
        views.membership_remove,
        name="membership_remove",
    ),
    path("traeger/<int:pk>/orte/neu/", views.venue_create, name="venue_create"),
    path("orte/<int:pk>/bearbeiten/", views.venue_update, name="venue_update"),
    *io_patterns,
]
