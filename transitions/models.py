from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.domain import CourseType, Level
from courses.models import Course, Provider
from participants.models import Enrollment, Participant


class Handover(models.Model):
    """A participant's move from one course (and provider) to the next, agreed between providers."""

    class Kind(models.TextChoices):
        COURSE = "course", _("course to course")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        OFFERED = "offered", _("offered")
        ACCEPTED = "accepted", _("accepted")
        STARTED = "started", _("started")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")
        NO_SHOW = "no_show", _("did not show up")

    OPEN_STATUSES = (Status.PROPOSED, Status.OFFERED, Status.ACCEPTED)

    class Eligibility(models.TextChoices):
        NONE = "", _("not needed / not known")
        ENTITLEMENT = "entitlement", _("certificate of entitlement (Berechtigung)")
        OBLIGATION = "obligation", _("obligation (Verpflichtung)")
        ADMISSION = "admission", _("admission (Zulassung)")
        JOBCENTER = "jobcenter", _("Jobcenter / employment agency permission")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COURSE)
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="handovers"
    )
    from_enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("from enrolment"),
        on_delete=models.PROTECT,
        related_name="handovers_out",
        null=True,
        blank=True,
    )
    from_provider = models.ForeignKey(
        Provider, verbose_name=_("sending provider"), on_delete=models.PROTECT, related_name="handovers_out"
    )
    to_course = models.ForeignKey(
        Course,
        verbose_name=_("to course"),
        on_delete=models.PROTECT,
        related_name="handovers_in",
        null=True,
        blank=True,
    )
    to_provider = models.ForeignKey(
        Provider,
        verbose_name=_("receiving provider"),
        on_delete=models.PROTECT,
        related_name="handovers_in",
        null=True,
        blank=True,
    )
    wanted_course_type = models.CharField(
        _("wanted course type"), max_length=20, choices=CourseType.choices, blank=True
    )
    wanted_level = models.PositiveSmallIntegerField(_("wanted level"), choices=Level.choices, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    due_on = models.DateField(_("next step due on"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    # The place held in the target course once the receiver has accepted (released when the handover ends).
    reservation = models.OneToOneField(
        "courses.PlaceReservation",
        verbose_name=_("reserved place"),
        on_delete=models.PROTECT,
        related_name="handover",
        null=True,
        blank=True,
    )
    started_enrollment = models.OneToOneField(
        Enrollment,
        verbose_name=_("enrolment in the new course"),
        on_delete=models.PROTECT,
        related_name="started_by_handover",
        null=True,
        blank=True,
    )
    # Checklist (domain notes: what a handover between providers needs).
    eligibility = models.CharField(_("eligibility document"), max_length=12, choices=Eligibility.choices, blank=True)
    eligibility_issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    eligibility_expires_on = models.DateField(_("eligibility expires on"), null=True, blank=True)
    fee_exempt = models.BooleanField(_("exempt from fees"), default=False)
    placement_level = models.PositiveSmallIntegerField(
        _("placement result"), choices=Level.choices, null=True, blank=True
    )
    placement_on = models.DateField(_("placement test on"), null=True, blank=True)
    last_module = models.CharField(_("last section or module attended"), max_length=100, blank=True)
    units_used = models.PositiveSmallIntegerField(_("teaching units used"), null=True, blank=True)
    attendance_confirmed = models.BooleanField(_("proper attendance certified"), default=False)
    certificates = models.CharField(_("certificates"), max_length=200, blank=True)
    constraints = models.CharField(_("constraints (childcare, mobility, working hours)"), max_length=300, blank=True)
    reason = models.CharField(_("reason for the change"), max_length=300, blank=True)
    agreed_in = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("agreed in meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handovers",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_on", "-created_at", "pk"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        indexes = [
            models.Index(fields=["status", "due_on"], name="handover_status_due"),
            models.Index(fields=["from_provider", "status"], name="handover_from_status"),
            models.Index(fields=["to_provider", "status"], name="handover_to_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["offered", "accepted", "started", "declined", "no_show"])
                | Q(to_course__isnull=False),
                name="handover_offered_names_course",
                violation_error_message=_("A handover is offered for a specific course."),
            ),
            models.UniqueConstraint(
                fields=["participant", "to_course"],
                condition=Q(status__in=["proposed", "offered", "accepted"]),
                name="handover_one_open_per_course",
                violation_error_message=_("There is already an open handover of this person to this course."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} → {self.to_course or self.get_wanted_level_display() or '?'}"

    def get_absolute_url(self) -> str:
        return reverse("transitions:handover_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())

    def overdue_on(self, today: datetime.date) -> bool:
        """Open, and its next step was due before `today`."""
        return self.is_open and self.due_on is not None and self.due_on < today


class HandoverStep(models.Model):
    """One step of a handover: which status, when, by whom, with an optional note. Besides the status changes,
    the case history records events that change no status but matter to both sides (a revoked consent)."""

    CONSENT_REVOKED = "consent"
    KINDS = [*Handover.Status.choices, (CONSENT_REVOKED, _("consent revoked"))]

    handover = models.ForeignKey(Handover, verbose_name=_("handover"), on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("status"), max_length=10, choices=KINDS)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # When the e-mail about this step went out (steps that are mailed: see services.MAILED_STEPS). Claimed before
    # sending, so a task delivered twice sends once.
    mail_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("handover step")
        verbose_name_plural = _("handover steps")

    def __str__(self) -> str:
        return f"{self.handover_id}: {self.status}"
