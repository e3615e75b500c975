from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("sitzungen/", views.meeting_list, name="meeting_list"),
    path("sitzungen/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("sitzungen/<int:pk>/tagesordnung/", views.agenda_print, name="agenda_print"),
    path("sitzungen/<int:pk>/tagesordnung.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("sitzungen/<int:pk>/protokoll.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("sitzungen/<int:pk>/dateien/", views.meeting_files, name="meeting_files"),
    path("sitzungen/<int:pk>/veroeffentlichen/", views.meeting_publish, name="meeting_publish"),
    path("sitzungen/<int:pk>/tagesordnung/neu-erzeugen/", views.agenda_regenerate, name="agenda_regenerate"),
    path("sitzungen/<int:pk>/punkte/neu/", views.item_propose, name="item_propose"),
    path("sitzungen/<int:pk>/punkte/<int:item_pk>/entfernen/", views.item_delete, name="item_delete"),
    path("sitzungen/<int:pk>/punkte/<int:item_pk>/protokoll/", views.minutes_save, name="minutes_save"),
    path("sitzungen/<int:pk>/punkte/<int:item_pk>/zeit/", views.item_update, name="item_update"),
    path("sitzungen/<int:pk>/anwesenheit/", views.attendance_save, name="attendance_save"),
    path("sitzungen/<int:pk>/aufgaben/neu/", views.action_item_create, name="action_item_create"),
    path("sitzungen/<int:pk>/abschliessen/", views.minutes_finalise, name="minutes_finalise"),
    path("sitzungen/aufgaben/<int:pk>/erledigt/", views.action_item_done, name="action_item_done"),
    path("sitzungen/<int:pk>/bearbeiten/", views.meeting_edit, name="meeting_edit"),
    path("sitzungen/reihen/neu/", views.series_edit, name="series_create"),
    path("sitzungen/reihen/<int:pk>/", views.series_edit, name="series_update"),
    path("sitzungen/kalender/", views.calendar_page, name="calendar"),
    path("sitzungen/kalender/neu/", views.calendar_reset, name="calendar_reset"),
    path("sitzungen/ical/<str:token>.ics", views.ical_feed, name="ical_feed"),
]
