from django.apps import AppConfig


class DiepholzCoordConfig(AppConfig):
    name = "diepholz_coord"
    verbose_name = "Sprachkurskoordination"
