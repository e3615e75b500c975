"""URL patterns of the GDPR tools (merged into participants/urls.py, namespace "participants")."""

from django.urls import path

from . import views_gdpr

urlpatterns = [
    path("teilnehmende/<int:pk>/auskunft/", views_gdpr.participant_export_data, name="participant_export_data"),
    path("teilnehmende/<int:pk>/loeschen/", views_gdpr.participant_erase, name="participant_erase"),
    path("datenschutz/", views_gdpr.retention_runs, name="retention_runs"),
]
