from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Participants")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        # Every change to participant data is recorded with old and new values (django-auditlog).
        auditlog.register(models.Participant)
        auditlog.register(models.Consent)
        auditlog.register(models.Enrollment)
        auditlog.register(models.CourseWish, m2m_fields={"municipalities"})
