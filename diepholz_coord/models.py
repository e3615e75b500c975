from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditedPerson(models.Model):
    """A person whose data an audit "access" entry showed (a list, a roster, an export): the audit trail per
    person finds every look at them without searching inside the entries."""

    entry = models.ForeignKey("auditlog.LogEntry", on_delete=models.CASCADE, related_name="people_seen")
    participant_id = models.PositiveBigIntegerField(_("participant"), db_index=True)

    class Meta:
        verbose_name = _("person in an audit entry")
        verbose_name_plural = _("people in audit entries")

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.participant_id}"
