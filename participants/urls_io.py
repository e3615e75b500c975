"""URL patterns of this part of the participants app (merged into participants/urls.py)."""

from django.urls import path

from . import views_io

urlpatterns = [
    path("teilnehmende/import/", views_io.participant_import, name="participant_import"),
    path("teilnehmende/export/", views_io.participant_export, name="participant_export"),
    path("kurse/<int:pk>/teilnehmende/export/", views_io.course_roster_export, name="course_roster_export"),
]
