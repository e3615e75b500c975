from django.urls import path

from . import views

app_name = "transitions"

urlpatterns = [
    path("uebergaenge/", views.handover_list, name="handover_list"),
    path("uebergaenge/neu/", views.handover_create, name="handover_create"),
    path("uebergaenge/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("uebergaenge/<int:pk>/checkliste/", views.handover_checklist, name="handover_checklist"),
    path("uebergaenge/<int:pk>/schritt/<slug:status>/", views.handover_step, name="handover_step"),
    path("uebergaenge/<int:pk>/sitzung/", views.handover_agreed_in, name="handover_agreed_in"),
    path("uebergaenge/endende-kurse/", views.ending_course_list, name="ending_course_list"),
    path("uebergaenge/endende-kurse/<int:course_pk>/", views.ending_course_detail, name="ending_course_detail"),
]
