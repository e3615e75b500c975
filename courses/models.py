from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Least, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .domain import WEEKDAYS, CourseType, Funder, Level


class Municipality(models.Model):
    """One of the county's 15 administrative units (Stadt, Einheitsgemeinde or Samtgemeinde)."""

    class Kind(models.TextChoices):
        TOWN = "Stadt", _("Town")
        UNITARY = "Einheitsgemeinde", _("Unitary municipality")
        JOINT = "Samtgemeinde", _("Joint municipality")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    ars = models.CharField(_("official key (ARS)"), max_length=12, unique=True)
    seat_lat = models.DecimalField(_("seat latitude"), max_digits=8, decimal_places=6)
    seat_lon = models.DecimalField(_("seat longitude"), max_digits=8, decimal_places=6)
    population = models.PositiveIntegerField(_("population"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    class Kind(models.TextChoices):
        VHS = "vhs", _("Adult education centre (VHS)")
        EDUCATION = "education", _("Education provider")
        CHARITY = "charity", _("Charity")
        VOLUNTEER = "volunteer", _("Volunteer group")
        ADVISORY = "advisory", _("Advisory service")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="providers"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    website = models.URLField(_("website"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    # When the last "your free-places reports are stale" e-mail went out; keeps the weekly job idempotent.
    stale_reminder_sent_at = models.DateTimeField(_("stale reminder sent at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="provider_name_unique_ignoring_case",
                violation_error_message=_("A provider with this name exists already."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("courses:provider_detail", args=[self.pk])


class Membership(models.Model):
    """A user acting for a provider, as its admin (lead) or staff (teacher, office)."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Provider admin")
        STAFF = "staff", _("Provider staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "provider"], name="membership_unique_user_provider")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.provider} ({self.get_role_display()})"


class Venue(models.Model):
    provider = models.ForeignKey(Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="venues"
    )
    accessible = models.BooleanField(_("step-free access"), default=False)
    childcare_on_site = models.BooleanField(_("childcare on site"), default=False)
    transport_note = models.CharField(_("public transport"), max_length=300, blank=True)

    class Meta:
        ordering = ["municipality__name", "name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return f"{self.name}, {self.town or self.municipality.name}"


# Plausibility limits: the largest funded volume is 1,300 UE (Alpha course with repetition); language cafés
# rarely exceed a few dozen people. Higher figures are typing errors.
MAX_TEACHING_UNITS = 2000
MAX_CAPACITY = 200
MAX_AGE = 120


def stale_limit(now: datetime.datetime | None = None) -> datetime.datetime:
    """A report made before this moment is stale. The one definition used by lists, badges and e-mails."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.STALE_REPORT_DAYS)


def stale_report(now: datetime.datetime | None = None) -> Q:
    """A course's newest free-places report is missing or older than STALE_REPORT_DAYS (stale_limit)."""
    return Q(places_reported_at__isnull=True) | Q(places_reported_at__lt=stale_limit(now))


class CourseQuerySet(models.QuerySet):
    def bookable(self, today: datetime.date | None = None) -> CourseQuerySet:
        """Current and upcoming courses (planned, open or running, not yet ended): where free places matter."""
        today = today or timezone.localdate()
        return self.filter(status__in=Course.BOOKABLE_STATUSES, end_date__gte=today, provider__active=True)

    def with_places(self, today: datetime.date | None = None) -> CourseQuerySet:
        """THE rule for the places a course can still give, as annotations (one query, whatever the size):

        - ``places_enrolled``: people enrolled through the participant records;
        - ``places_reserved``: places held for accepted handovers (PlaceReservation.active);
        - ``places_available``: the newest report (or, while nothing is reported, capacity minus enrolled), never
          more than capacity minus enrolled, minus the reservations; never below 0.

        Every page, the matching, the agenda and the services read free places from here (courses.places).
        """
        today = today or timezone.localdate()
        from participants.models import Enrollment  # participants builds on courses

        def count(qs):
            # COUNT(*) as a plain function, not an aggregate: no GROUP BY in the subquery (which made PostgreSQL
            # group and limit once per course), and the count can come from an index alone.
            counted = qs.order_by().annotate(n=Func(template="COUNT(*)", output_field=IntegerField())).values("n")
            return Coalesce(Subquery(counted), 0)

        enrolled = count(Enrollment.objects.filter(course=OuterRef("pk"), status=Enrollment.Status.ENROLLED))
        reserved = count(PlaceReservation.objects.active(today).filter(course=OuterRef("pk")))
        room = F("capacity") - F("places_enrolled")
        # min(report or room, room) written as min(report or capacity, room): the same number (room is capacity
        # less a count), with the enrolled count's subquery once in the SQL instead of twice.
        return self.annotate(places_enrolled=enrolled, places_reserved=reserved).annotate(
            places_available=Greatest(
                Value(0), Least(Coalesce(F("free_places"), F("capacity")), room) - F("places_reserved")
            )
        )

    def with_room(self, today: datetime.date | None = None) -> CourseQuerySet:
        """Courses that can still give at least one place (see with_places)."""
        return self.with_places(today).filter(places_available__gt=0)

    def stale(self, now: datetime.datetime | None = None) -> CourseQuerySet:
        """Bookable courses whose newest free-places report is missing or older than STALE_REPORT_DAYS."""
        now = now or timezone.now()
        return self.bookable(timezone.localdate(now)).filter(stale_report(now))


class Course(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        OPEN = "open", _("open for registration")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        CANCELLED = "cancelled", _("cancelled")

    BOOKABLE_STATUSES = (Status.PLANNED, Status.OPEN, Status.RUNNING)

    provider = models.ForeignKey(Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="courses")
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("venue"),
        on_delete=models.PROTECT,
        related_name="courses",
        null=True,
        blank=True,
        help_text=_("Leave empty for online courses."),
    )
    # The venue's municipality, or where an online course is offered; kept here so the district matrix and
    # the filters need no join through the venue.
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="courses"
    )
    title = models.CharField(_("title"), max_length=200)
    course_type = models.CharField(_("course type"), max_length=20, choices=CourseType.choices)
    funder = models.CharField(_("funder"), max_length=20, choices=Funder.choices)
    level_from = models.PositiveSmallIntegerField(_("entry level"), choices=Level.choices)
    level_to = models.PositiveSmallIntegerField(_("target level"), choices=Level.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)
    time_from = models.TimeField(_("from"), null=True, blank=True)
    time_to = models.TimeField(_("until"), null=True, blank=True)
    teaching_units = models.PositiveSmallIntegerField(
        _("teaching units"),
        null=True,
        blank=True,
        help_text=_("45 minutes each."),
        validators=[MaxValueValidator(MAX_TEACHING_UNITS)],
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MaxValueValidator(MAX_CAPACITY)])
    min_size = models.PositiveSmallIntegerField(
        _("minimum size"), default=0, validators=[MaxValueValidator(MAX_CAPACITY)]
    )
    childcare = models.BooleanField(_("childcare offered"), default=False)
    # Whom the course is for, as data (defaults from the course type: courses.domain.target_group_defaults).
    women_only = models.BooleanField(_("for women only"), default=False)
    age_min = models.PositiveSmallIntegerField(
        _("minimum age"),
        null=True,
        blank=True,
        help_text=_("At the start of the course."),
        validators=[MaxValueValidator(MAX_AGE)],
    )
    age_max = models.PositiveSmallIntegerField(
        _("maximum age"),
        null=True,
        blank=True,
        help_text=_("At the start of the course (youth integration course: 26, i.e. under 27)."),
        validators=[MaxValueValidator(MAX_AGE)],
    )
    parents_only = models.BooleanField(_("for parents only"), default=False)
    literacy_learners = models.BooleanField(
        _("for literacy learners"), default=False, help_text=_("People still learning to read and write.")
    )
    target_group = models.CharField(
        _("target group (note)"), max_length=200, blank=True, help_text=_("In words, e.g. “mothers with toddlers”.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    cancel_reason = models.CharField(_("reason for cancellation"), max_length=300, blank=True)
    # The newest PlaceReport, kept on the course so lists and the district matrix are one query.
    # Written only by courses.services.course_report_free_places in the same transaction as the report.
    free_places = models.PositiveSmallIntegerField(_("free places"), null=True, blank=True)
    places_reported_at = models.DateTimeField(_("free places reported at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = [
            models.Index(fields=["status", "end_date"], name="course_status_end"),
            models.Index(fields=["provider", "start_date"], name="course_provider_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="course_end_not_before_start",
                violation_error_message=_("The end date must not be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(level_to__gte=F("level_from")),
                name="course_level_not_backwards",
                violation_error_message=_("The target level must not be below the entry level."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gt=0),
                name="course_capacity_positive",
                violation_error_message=_("The capacity must be at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(min_size__lte=F("capacity")),
                name="course_min_size_within_capacity",
                violation_error_message=_("The minimum size must not exceed the capacity."),
            ),
            models.CheckConstraint(
                condition=Q(free_places__isnull=True) | Q(free_places__gte=0, free_places__lte=F("capacity")),
                name="course_free_places_within_capacity",
                violation_error_message=_("Free places must be between 0 and the capacity."),
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True) | Q(age_max__isnull=True) | Q(age_max__gte=F("age_min")),
                name="course_age_range_not_backwards",
                violation_error_message=_("The maximum age must not be below the minimum age."),
            ),
            models.CheckConstraint(
                condition=Q(time_from__isnull=True) | Q(time_to__isnull=True) | Q(time_to__gt=F("time_from")),
                name="course_time_to_after_from",
                violation_error_message=_("The end time must be after the start time."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:course_detail", args=[self.pk])

    @property
    def level_range(self) -> str:
        if self.level_from == self.level_to:
            return self.get_level_from_display()
        return f"{self.get_level_from_display()}–{self.get_level_to_display()}"

    @property
    def weekday_labels(self) -> list[str]:
        names = dict(WEEKDAYS)
        return [str(names[d]) for d in sorted(self.weekdays) if d in names]

    @property
    def target_group_labels(self) -> list[str]:
        """Whom the course is for, in words (structured fields only; the note is shown beside them)."""
        labels = []
        if self.women_only:
            labels.append(str(_("women only")))
        if self.age_min is not None and self.age_max is not None:
            labels.append(str(_("aged %(min)s to %(max)s at the start")) % {"min": self.age_min, "max": self.age_max})
        elif self.age_max is not None:
            labels.append(str(_("at most %(max)s years old at the start")) % {"max": self.age_max})
        elif self.age_min is not None:
            labels.append(str(_("at least %(min)s years old at the start")) % {"min": self.age_min})
        if self.parents_only:
            labels.append(str(_("parents only")))
        if self.literacy_learners:
            labels.append(str(_("literacy learners")))
        return labels

    @property
    def is_bookable(self) -> bool:
        """Same rule as CourseQuerySet.bookable() (the provider's active flag is checked there only)."""
        return self.status in self.BOOKABLE_STATUSES and self.end_date >= timezone.localdate()

    @property
    def report_is_stale(self) -> bool:
        """Same rule as CourseQuerySet.stale()."""
        return self.is_bookable and (self.places_reported_at is None or self.places_reported_at < stale_limit())


class PlaceReport(models.Model):
    """A provider's report of the free places in a course. The newest one is what the district sees."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="reports")
    free_places = models.PositiveSmallIntegerField(_("free places"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("free-places report")
        verbose_name_plural = _("free-places reports")
        indexes = [models.Index(fields=["course", "-reported_at"], name="placereport_course_newest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(free_places__gte=0),
                name="placereport_free_places_not_negative",
                violation_error_message=_("The number of free places cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course}: {self.free_places}"


def reservation_held_until(start_date: datetime.date) -> datetime.date:
    """The last day a reserved place is held for a person who has not started: RESERVATION_DAYS_AFTER_START days
    after the course's start."""
    return start_date + datetime.timedelta(days=settings.RESERVATION_DAYS_AFTER_START)


class PlaceReservationQuerySet(models.QuerySet):
    def active(self, today: datetime.date | None = None) -> PlaceReservationQuerySet:
        """Reservations that hold a place today: not released, and not past the day they are held until."""
        today = today or timezone.localdate()
        return self.filter(released_at__isnull=True, held_until__gte=today)

    def release(self, reason: str, *, now: datetime.datetime | None = None) -> int:
        """Give the places back (those not released yet), saying why. Returns how many were released."""
        return self.filter(released_at__isnull=True).update(released_at=now or timezone.now(), release_reason=reason)


class PlaceReservation(models.Model):
    """A place in a course held for a person, e.g. for an accepted handover, until the person starts (then it
    becomes the enrolment) or the reservation is released (declined, withdrawn, no-show) or runs out."""

    class Release(models.TextChoices):
        ENROLLED = "enrolled", _("turned into the enrolment")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")
        NO_SHOW = "no_show", _("did not show up")
        CANCELLED = "cancelled", _("course cancelled")

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="reservations")
    held_until = models.DateField(
        _("held until"), help_text=_("The place is given back after this day unless the person has started.")
    )
    created_at = models.DateTimeField(_("reserved at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reserved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_reason = models.CharField(_("released because"), max_length=10, choices=Release.choices, blank=True)

    objects = PlaceReservationQuerySet.as_manager()

    class Meta:
        ordering = ["held_until", "pk"]
        verbose_name = _("place reservation")
        verbose_name_plural = _("place reservations")
        indexes = [models.Index(fields=["course", "released_at"], name="reservation_course_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(released_at__isnull=True, release_reason="")
                | Q(released_at__isnull=False) & ~Q(release_reason=""),
                name="reservation_release_has_reason",
                violation_error_message=_("A released reservation says why it was released."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course}: {self.held_until}"

    @property
    def held_for(self):
        """The handover the place is held for (transitions.Handover.reservation), or None."""
        return getattr(self, "handover", None)

    def is_active(self, today: datetime.date | None = None) -> bool:
        """Same rule as PlaceReservationQuerySet.active()."""
        return self.released_at is None and self.held_until >= (today or timezone.localdate())
