from django.apps import AppConfig


class DiepholzCoordConfig(AppConfig):
    name = "diepholz_coord"
    verbose_name = "Sprachkurskoordination"

    def ready(self) -> None:
        from . import middleware_session  # noqa: F401 (connects the login receiver)
