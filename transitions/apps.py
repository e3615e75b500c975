from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransitionsConfig(AppConfig):
    name = "transitions"
    verbose_name = _("Transitions")

    def ready(self):
        from participants.signals import consent_revoked, participant_erasing

        from . import services

        consent_revoked.connect(services.on_consent_revoked, dispatch_uid="transitions.on_consent_revoked")
        participant_erasing.connect(services.on_participant_erasing, dispatch_uid="transitions.on_participant_erasing")
