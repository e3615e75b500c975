"""URL patterns for import and export of courses and the district overview (merged into courses/urls.py)."""

from django.urls import path

from . import views_io

urlpatterns = [
    path("kurse/import/", views_io.course_import, name="course_import"),
    path("kurse/export/", views_io.course_export, name="course_export"),
    path("uebersicht/export/", views_io.overview_export, name="overview_export"),
]
