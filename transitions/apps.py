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

        # The district overview's cached time-to-next-course figures (metrics.district_transition_metrics).
        from django.db.models.signals import post_delete, post_save

        from courses.models import Course
        from participants.models import Enrollment

        from . import metrics
        from .models import Handover

        for model in (Course, Enrollment, Handover):
            for signal in (post_save, post_delete):
                signal.connect(metrics.figures_changed, sender=model, dispatch_uid=f"metrics.{model.__name__}.{signal}")
