"""Who is responsible: the county's departments and the other actors of the district.

Departments (Jugend, Soziales, Gesundheit, Ordnung, Schule, Wirtschaft, Koordination) and other actors (Jobcenter,
immigration office, schools, Kitas, chambers) are data, not code: the Aktionsbündnis register of workflows names
them as responsible for a step, the Aktionsplan's developments log asks each department for its assessment, and
action items may be owned by a department. County staff belong to their department (Department.members).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    code = models.SlugField(_("short name"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="departments"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    @property
    def contact(self) -> str:
        return " · ".join(part for part in (self.email, self.phone) if part)


class Actor(models.Model):
    """Another actor of the district that is neither a county department nor a course provider."""

    class Kind(models.TextChoices):
        JOBCENTER = "jobcenter", _("Jobcenter / employment agency")
        IMMIGRATION = "immigration", _("immigration office")
        SCHOOL = "school", _("school")
        KITA = "kita", _("day-care centre")
        CHAMBER = "chamber", _("chamber")
        ADVICE = "advice", _("advisory service")
        VOLUNTEERS = "volunteers", _("volunteers")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=160, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("other actor")
        verbose_name_plural = _("other actors")

    def __str__(self) -> str:
        return self.name

    @property
    def contact(self) -> str:
        return " · ".join(part for part in (self.email, self.phone) if part)
