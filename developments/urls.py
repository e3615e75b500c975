from django.urls import path

from . import views

app_name = "developments"

urlpatterns = [
    path("entwicklungen/", views.development_list, name="development_list"),
    path("entwicklungen/neu/", views.development_create, name="development_create"),
    path("entwicklungen/entwicklungen.pdf", views.log_pdf, name="log_pdf"),
    path("entwicklungen/<int:pk>/", views.development_detail, name="development_detail"),
    path("entwicklungen/<int:pk>/bearbeiten/", views.development_update, name="development_update"),
    path("entwicklungen/<int:pk>/bewertung/<int:department>/", views.assessment_edit, name="assessment_edit"),
    path("entwicklungen/<int:pk>/massnahme/", views.measure_create, name="measure_create"),
]
