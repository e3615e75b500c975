"""Meetings of the district's three bodies: series, planned meetings, agendas, attendance, minutes, action items.

State that background work depends on lives here, not only in the queue: a meeting whose agenda is due but not
yet published, or whose PDF is "pending", is found again by the sweep (meetings.services.background_sweep) after a
broker or worker outage.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from courses.models import Provider


class Body(models.TextChoices):
    PROVIDER_ROUND = "provider_round", _("Provider coordination round")
    ALLIANCE = "alliance", _("Aktionsbündnis Integration")
    ACTION_PLAN = "action_plan", _("Aktionsplan Integration")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")


class WeekOfMonth(models.IntegerChoices):
    FIRST = 1, _("first")
    SECOND = 2, _("second")
    THIRD = 3, _("third")
    FOURTH = 4, _("fourth")
    LAST = -1, _("last")


class MeetingSeries(models.Model):
    """A recurring meeting of one body: e.g. "first Tuesday of the month, 10:00, every month"."""

    body = models.CharField(_("body"), max_length=20, choices=Body.choices)
    name = models.CharField(_("name"), max_length=120, unique=True)
    # Recurrence: the <week_of_month> <weekday> of every <interval_months>-th month, counted from first_month.
    week_of_month = models.SmallIntegerField(_("week of the month"), choices=WeekOfMonth.choices, default=1)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices, default=Weekday.TUESDAY)
    interval_months = models.PositiveSmallIntegerField(
        _("every … months"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    first_month = models.DateField(
        _("first month"), help_text=_("The series starts in the month of this date (day is ignored).")
    )
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration in minutes"), default=120, validators=[MinValueValidator(15), MaxValueValidator(600)]
    )
    location = models.CharField(_("place"), max_length=200)
    agenda_lead_days = models.PositiveSmallIntegerField(
        _("agenda goes out … days before"), default=7, validators=[MaxValueValidator(60)]
    )
    default_sections = models.TextField(
        _("default agenda sections"),
        blank=True,
        help_text=_("One section per line. They are added to every meeting of the series."),
    )
    # The agenda's sections in order (keys of meetings.agenda.SECTIONS); empty: the body's default order.
    agenda_layout = models.JSONField(_("agenda sections in order"), default=list, blank=True)
    invited_providers = models.ManyToManyField(
        Provider, verbose_name=_("invited providers"), blank=True, related_name="meeting_series"
    )
    invited_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("invited people"), blank=True, related_name="meeting_series"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["body", "name"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_months__gte=1) & Q(interval_months__lte=12),
                name="series_interval_1_12",
                violation_error_message=_("A series recurs every 1 to 12 months."),
            ),
            models.CheckConstraint(
                condition=Q(weekday__lte=4),
                name="series_weekday_workday",
                violation_error_message=_("Meetings take place on a working day (Monday to Friday)."),
            ),
            models.CheckConstraint(
                condition=Q(week_of_month__in=[1, 2, 3, 4, -1]),
                name="series_week_of_month_valid",
                violation_error_message=_("Choose the first to fourth or the last week of the month."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_list") + f"?body={self.body}"

    @property
    def section_titles(self) -> list[str]:
        return [line.strip() for line in self.default_sections.splitlines() if line.strip()]


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        PUBLISHED = "published", _("agenda published")
        HELD = "held", _("held")
        FINAL = "final", _("minutes final")
        CANCELLED = "cancelled", _("cancelled")

    class FileState(models.TextChoices):
        NONE = "", _("not requested")
        PENDING = "pending", _("being generated")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    series = models.ForeignKey(
        MeetingSeries, verbose_name=_("series"), on_delete=models.PROTECT, related_name="meetings"
    )
    # The date the rule gives; the meeting itself may be moved (holiday, by hand). Unique per series: planning
    # can run twice or concurrently and never creates a second meeting for the same occurrence.
    occurrence = models.DateField(_("date by the rule"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("place"), max_length=200)
    moved_reason = models.CharField(_("why moved"), max_length=200, blank=True)
    # Moved, cancelled or otherwise changed by the coordinator: re-planning a changed series leaves it alone.
    adjusted = models.BooleanField(_("changed by hand"), default=False)
    # Invitees are told of a move or cancellation once the change is saved (sent by the worker or the sweep).
    change_notice_pending = models.BooleanField(_("change notice pending"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    agenda_due_on = models.DateField(_("agenda due on"))
    agenda_published_at = models.DateTimeField(_("agenda published at"), null=True, blank=True)
    # Snapshot of the live district at publishing time (JSON; no participant names).
    agenda_snapshot = models.JSONField(_("agenda snapshot"), null=True, blank=True)
    agenda_pdf = models.FileField(_("agenda PDF"), upload_to="meetings/agendas/", blank=True)
    agenda_pdf_state = models.CharField(
        _("agenda PDF"), max_length=10, choices=FileState.choices, default=FileState.NONE, blank=True
    )
    agenda_pdf_requested_at = models.DateTimeField(null=True, blank=True)
    agenda_pdf_attempts = models.PositiveSmallIntegerField(default=0)
    agenda_pdf_generated_at = models.DateTimeField(null=True, blank=True)
    invitations_sent_at = models.DateTimeField(_("invitations sent at"), null=True, blank=True)
    minutes_finalised_at = models.DateTimeField(_("minutes finalised at"), null=True, blank=True)
    minutes_finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    minutes_pdf = models.FileField(_("minutes PDF"), upload_to="meetings/minutes/", blank=True)
    minutes_pdf_state = models.CharField(
        _("minutes PDF"), max_length=10, choices=FileState.choices, default=FileState.NONE, blank=True
    )
    minutes_pdf_requested_at = models.DateTimeField(null=True, blank=True)
    minutes_pdf_attempts = models.PositiveSmallIntegerField(default=0)
    minutes_pdf_generated_at = models.DateTimeField(null=True, blank=True)
    minutes_sent_at = models.DateTimeField(_("minutes sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(fields=["series", "occurrence"], name="meeting_one_per_occurrence"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("A meeting ends after it starts."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "agenda_due_on"], name="meeting_status_due"),
        ]

    def __str__(self) -> str:
        # “Trägerrunde Sprachkurse – 01.12.2026”: the series and the local date (choices, admin, handovers).
        return f"{self.series} – {date_format(timezone.localtime(self.starts_at).date(), 'SHORT_DATE_FORMAT')}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_detail", args=[self.pk])

    @property
    def minutes_locked(self) -> bool:
        return self.status == self.Status.FINAL


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        GENERATED = "generated", _("from live data")
        DEFAULT = "default", _("standing item")
        PROPOSED = "proposed", _("proposed")

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PROPOSED)
    # For generated items: which section of the agenda builder (meetings.agenda.SECTIONS) fills it.
    section = models.CharField(_("section"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_by_provider = models.ForeignKey(
        Provider, verbose_name=_("proposed by provider"), on_delete=models.SET_NULL, null=True, blank=True
    )
    # An optional time slot ("10:15–10:45") and who presents the item.
    slot_start = models.TimeField(_("from"), null=True, blank=True)
    slot_end = models.TimeField(_("until"), null=True, blank=True)
    presenter = models.CharField(_("presented by"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "section"], condition=~Q(section=""), name="agenda_one_item_per_section"
            ),
            models.CheckConstraint(
                condition=Q(slot_start__isnull=True)
                | Q(slot_end__isnull=True)
                | Q(slot_end__gt=models.F("slot_start")),
                name="agenda_slot_ends_after_start",
                violation_error_message=_("The time slot ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        EXCUSED = "excused", _("excused")
        ABSENT = "absent", _("absent")

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance")
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.CheckConstraint(
                condition=Q(provider__isnull=True) ^ Q(user__isnull=True), name="attendance_provider_xor_user"
            ),
            models.UniqueConstraint(
                fields=["meeting", "provider"], condition=Q(provider__isnull=False), name="attendance_one_per_provider"
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(user__isnull=False), name="attendance_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider or self.user}: {self.get_status_display()}"


class MinutesEntry(models.Model):
    """Notes and decisions on one agenda item."""

    item = models.OneToOneField(
        AgendaItem, verbose_name=_("agenda item"), on_delete=models.CASCADE, related_name="minutes"
    )
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    decisions = models.TextField(_("decisions"), blank=True, max_length=4000)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("minutes entry")
        verbose_name_plural = _("minutes entries")

    def __str__(self) -> str:
        return str(self.item)


class ActionItem(models.Model):
    """Who does what by when. Open ones are carried over to the next meetings' agendas until done."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("agreed in meeting"), on_delete=models.PROTECT, related_name="action_items"
    )
    item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    title = models.CharField(_("what"), max_length=300)
    owner_provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider responsible"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person responsible"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    owner_department = models.ForeignKey(
        "register.Department",
        verbose_name=_("department responsible"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    # A measure the Aktionsplan Integration decided on a development of its log.
    development = models.ForeignKey(
        "developments.Development",
        verbose_name=_("development"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measures",
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["status", "due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_provider__isnull=False)
                | Q(owner_user__isnull=False)
                | Q(owner_department__isnull=False),
                name="action_item_has_owner",
                violation_error_message=_("An action item needs a department, a provider or a person responsible."),
            ),
        ]
        indexes = [
            models.Index(fields=["owner_provider", "status"], name="action_owner_status"),
            models.Index(fields=["owner_department", "status"], name="action_department_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_label(self) -> str:
        """Who is responsible, for lists and PDFs (select_related the owners first)."""
        if self.owner_department_id:
            return self.owner_department.name
        if self.owner_provider_id:
            return self.owner_provider.name
        if self.owner_user_id:
            return self.owner_user.get_full_name() or self.owner_user.username
        return "–"


class CalendarToken(models.Model):
    """The secret in a user's iCal feed URL, kept only as its SHA-256 hash: the address is shown once, when it is
    created, and a stolen database holds no working address. Replacing it invalidates the old URL."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")

    def __str__(self) -> str:
        return str(self.user)

    @staticmethod
    def hash_secret(secret: str) -> str:
        # The secret has 256 random bits: a fast hash is enough (nothing to guess a dictionary from).
        return hashlib.sha256(secret.encode()).hexdigest()
