"""The Aktionsplan Integration's developments log: federal, Land and county developments, each affected
department's assessment, and the measures decided (action items owned by a department, see
meetings.ActionItem.development).

A development asks the departments it names for an assessment (one Assessment per department, "not assessed yet"
until recorded). County staff record their own department's assessment, the coordinator records any of them,
usually in the Aktionsplan meeting. Developments that concern language courses are readable by providers too,
without the internal assessments and measures.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Development(models.Model):
    class Level(models.TextChoices):
        EU = "eu", _("European Union")
        FEDERAL = "federal", _("federal")
        LAND = "land", _("Land (Lower Saxony)")
        COUNTY = "county", _("county")

    title = models.CharField(_("title"), max_length=200)
    level = models.CharField(pgettext_lazy("government level", "level"), max_length=10, choices=Level.choices)
    source = models.CharField(
        _("source"), max_length=300, help_text=_("e.g. the law, decree, circular or letter it comes from")
    )
    source_url = models.URLField(_("link to the source"), blank=True, max_length=500)
    dated = models.DateField(_("date"), help_text=_("The date of the source (published, decided or in force)."))
    summary = models.TextField(_("summary"), max_length=4000)
    affected_groups = models.CharField(
        _("affected groups"), max_length=300, blank=True, help_text=_("Who is affected, e.g. “people from Ukraine”.")
    )
    concerns_courses = models.BooleanField(
        _("concerns language courses"),
        default=False,
        help_text=_("Course providers can read the development (not the assessments and measures)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        ordering = ["-dated", "-pk"]
        verbose_name = _("development")
        verbose_name_plural = _("developments")
        indexes = [
            models.Index(fields=["-dated", "-id"], name="development_dated"),
            models.Index(fields=["created_at"], name="development_created"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("developments:development_detail", args=[self.pk])


class Assessment(models.Model):
    """One department's assessment of a development: affected or not, and what follows."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("not assessed yet")
        AFFECTED = "affected", _("affected")
        NOT_AFFECTED = "not_affected", _("not affected")

    development = models.ForeignKey(
        Development, verbose_name=_("development"), on_delete=models.CASCADE, related_name="assessments"
    )
    department = models.ForeignKey(
        "register.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="assessments"
    )
    verdict = models.CharField(_("assessment"), max_length=15, choices=Verdict.choices, default=Verdict.PENDING)
    consequences = models.TextField(_("what follows"), blank=True, max_length=4000)
    # The Aktionsplan meeting it was recorded in (empty when the department recorded it between meetings).
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("recorded in meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)

    class Meta:
        ordering = ["development", "department__position", "department__name"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["development", "department"], name="assessment_one_per_department"),
            models.CheckConstraint(
                condition=Q(verdict="pending", assessed_at__isnull=True)
                | (~Q(verdict="pending") & Q(assessed_at__isnull=False)),
                name="assessment_recorded_has_time",
            ),
        ]
        indexes = [models.Index(fields=["department", "verdict"], name="assessment_department_verdict")]

    def __str__(self) -> str:
        return f"{self.development} – {self.department}"

    @property
    def is_open(self) -> bool:
        return self.verdict == self.Verdict.PENDING
