from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopmentsConfig(AppConfig):
    name = "developments"
    verbose_name = _("Developments log")
