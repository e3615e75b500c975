from django.apps import AppConfig


class DiepholzCoordConfig(AppConfig):
    name = "diepholz_coord"
    verbose_name = "Sprachkurskoordination"

    def ready(self):
        # Connects the login signal that remembers whether the user must enter a code.
        from . import two_factor  # noqa: F401
