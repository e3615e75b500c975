from django.urls import path

from . import views

app_name = "register"

urlpatterns = [
    path("zustaendigkeiten/", views.workflow_list, name="workflow_list"),
    path("zustaendigkeiten/neu/", views.workflow_create, name="workflow_create"),
    path("zustaendigkeiten/register.pdf", views.register_pdf, name="register_pdf"),
    path("zustaendigkeiten/<int:pk>/", views.workflow_detail, name="workflow_detail"),
    path("zustaendigkeiten/<int:pk>/aendern/", views.version_create, name="version_create"),
    path("zustaendigkeiten/<int:pk>/vergleich/", views.version_diff, name="version_diff"),
    path("zustaendigkeiten/<int:pk>/fassung/<int:number>/", views.version_detail, name="version_detail"),
    path("zustaendigkeiten/<int:pk>/fassung/<int:number>.pdf", views.version_pdf, name="version_pdf"),
]
