from django.urls import path

from . import views
from .urls_gdpr import urlpatterns as gdpr_patterns
from .urls_io import urlpatterns as io_patterns

app_name = "participants"

urlpatterns = [
    path("teilnehmende/", views.participant_list, name="participant_list"),
    path("teilnehmende/neu/", views.participant_create, name="participant_create"),
    path("teilnehmende/<int:pk>/", views.participant_detail, name="participant_detail"),
    path("teilnehmende/<int:pk>/bearbeiten/", views.participant_update, name="participant_update"),
    path("teilnehmende/<int:pk>/einwilligung/", views.consent_create, name="consent_create"),
    path("einwilligungen/<int:pk>/widerrufen/", views.consent_revoke, name="consent_revoke"),
    path("teilnehmende/<int:pk>/kurswunsch/", views.wish_create, name="wish_create"),
    path("kurswuensche/<int:pk>/zurueckziehen/", views.wish_withdraw, name="wish_withdraw"),
    path("teilnehmende/<int:pk>/einschreiben/", views.enrollment_create, name="enrollment_create"),
    path("einschreibungen/<int:pk>/abmelden/", views.enrollment_withdraw, name="enrollment_withdraw"),
    path("einschreibungen/<int:pk>/abschliessen/", views.enrollment_complete, name="enrollment_complete"),
    path("teilnehmende/<int:pk>/protokoll/", views.participant_audit, name="participant_audit"),
    path("bedarf/", views.demand, name="demand"),
    *io_patterns,
    *gdpr_patterns,
]
