"""Who is responsible: the county's departments and the other actors of the district.

Departments (Jugend, Soziales, Gesundheit, Ordnung, Schule, Wirtschaft, Koordination) and other actors (Jobcenter,
immigration office, schools, Kitas, chambers) are data, not code: the Aktionsbündnis register of workflows names
them as responsible for a step, the Aktionsplan's developments log asks each department for its assessment, and
action items may be owned by a department. County staff belong to their department (Department.members).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
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


def contact_of(responsible) -> str:
    """The contact line of a department, provider or other actor (the default contact of a workflow step)."""
    if responsible is None:
        return ""
    parts = (getattr(responsible, "contact_name", ""), responsible.email, responsible.phone)
    return " · ".join(part for part in parts if part)


class Workflow(models.Model):
    """A workflow the Aktionsbündnis Integration agreed on: what starts it and who does what, in versions.

    The current version is the one with the newest `valid_from` on or before today (a version may be decided now
    and valid from a later date); see register.selectors.current_version_ids.
    """

    title = models.CharField(_("title"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("register:workflow_detail", args=[self.pk])


class WorkflowVersion(models.Model):
    """One decided version of a workflow. Never changed once saved: a change is a new version (number + 1)."""

    workflow = models.ForeignKey(
        Workflow, verbose_name=_("workflow"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    trigger = models.TextField(_("what starts it"), max_length=2000)
    summary = models.TextField(_("summary and notes"), blank=True, max_length=4000)
    valid_from = models.DateField(_("valid from"))
    review_by = models.DateField(_("review by"), null=True, blank=True)
    # Empty for versions recorded before the product existed; else a held meeting of an Aktionsbündnis series.
    decided_in = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("decided in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workflow_versions",
    )
    decided_item = models.ForeignKey(
        "meetings.AgendaItem",
        verbose_name=_("agenda item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workflow_versions",
    )
    change_note = models.TextField(_("what changed and why"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["workflow", "number"]
        verbose_name = _("workflow version")
        verbose_name_plural = _("workflow versions")
        constraints = [
            models.UniqueConstraint(fields=["workflow", "number"], name="workflow_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="workflow_version_number_positive"),
            models.CheckConstraint(
                condition=Q(review_by__isnull=True) | Q(review_by__gt=models.F("valid_from")),
                name="workflow_version_review_after_valid_from",
                violation_error_message=_("The review date lies after the date the version is valid from."),
            ),
        ]
        indexes = [models.Index(fields=["workflow", "valid_from"], name="workflow_version_valid_from")]

    def __str__(self) -> str:
        return f"{self.workflow} ({self.number})"

    def get_absolute_url(self) -> str:
        return reverse("register:version_detail", args=[self.workflow_id, self.number])


class WorkflowStep(models.Model):
    """One step of a version: what is done and who is responsible (a department, a provider or another actor)."""

    version = models.ForeignKey(
        WorkflowVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("step"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider = models.ForeignKey(
        "courses.Provider",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        Actor, verbose_name=_("other actor"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact = models.CharField(_("contact"), max_length=300, blank=True)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="workflow_step_position_unique"),
            models.CheckConstraint(
                condition=(
                    Q(department__isnull=False, provider__isnull=True, actor__isnull=True)
                    | Q(department__isnull=True, provider__isnull=False, actor__isnull=True)
                    | Q(department__isnull=True, provider__isnull=True, actor__isnull=False)
                ),
                name="workflow_step_exactly_one_responsible",
                violation_error_message=_("A step has exactly one responsible: a department, a provider or an actor."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def responsible(self):
        """The department, provider or actor (select_related them first)."""
        if self.department_id:
            return self.department
        if self.provider_id:
            return self.provider
        return self.actor

    @property
    def responsible_key(self) -> str:
        """ "department:3" / "provider:5" / "actor:2": the value of the responsible select."""
        for kind in ("department", "provider", "actor"):
            if getattr(self, f"{kind}_id"):
                return f"{kind}:{getattr(self, f'{kind}_id')}"
        return ""
