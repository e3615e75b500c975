from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.domain import CourseType, Level
from courses.models import Course, Municipality, Provider

# Letters and digits that cannot be confused when read aloud or copied by hand (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_pseudonym_code() -> str:
    return "TN-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


class Route(models.TextChoices):
    """How the person gets into courses; kept apart from the residence status, which is optional."""

    LEGAL_CLAIM = "claim", _("Legal claim (§ 44 AufenthG)")
    OBLIGED_IMMIGRATION = "obliged_abh", _("Obliged by the immigration office")
    OBLIGED_JOBCENTER = "obliged_jc", _("Obliged by the Jobcenter")
    BAMF_ADMISSION = "admission", _("BAMF admission (§ 44 (4))")
    SELF_PAYER = "self", _("Self-payer")
    LAND_COURSE = "land", _("Land course")
    COUNTY_COURSE = "county", _("County course")
    UNKNOWN = "unknown", _("Not yet known")


class ResidenceStatus(models.TextChoices):
    GESTATTUNG = "GESTATTUNG", _("Asylum seeker (pending procedure)")
    DULDUNG_60A23 = "DULDUNG_60A23", _("Discretionary toleration")
    DULDUNG_SONST = "DULDUNG_SONST", _("Other toleration")
    AE_25_1_2 = "AE_25_1_2", _("Residence permit: asylum / refugee / subsidiary protection")
    AE_25_3 = "AE_25_3", _("Residence permit: national deportation ban")
    AE_25_5 = "AE_25_5", _("Residence permit: departure impossible")
    AE_24 = "AE_24", _("Temporary protection (mainly Ukrainians)")
    AE_FAMILIE = "AE_FAMILIE", _("Residence permit: family reunification")
    AE_ERWERB = "AE_ERWERB", _("Residence permit: employment")
    AE_104C = "AE_104C", _("Opportunity residence permit")
    NE = "NE", _("Settlement permit")
    EU = "EU", _("EU citizen")
    SPAETAUSSIEDLER = "SPAETAUSSIEDLER", _("Ethnic German resettler")
    DE = "DE", _("German citizen with insufficient German")
    UNBEKANNT = "UNBEKANNT", _("Unknown / not recorded")


class TimeOfDay(models.TextChoices):
    MORNING = "morning", _("mornings")
    AFTERNOON = "afternoon", _("afternoons")
    EVENING = "evening", _("evenings")
    WEEKEND = "weekend", _("weekends")


class ParticipantQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status=Participant.Status.ANONYMISED)


class Participant(models.Model):
    """A person registered by a provider (the owner). Outside the owner, the pseudonym code stands for them."""

    class Gender(models.TextChoices):
        FEMALE = "f", _("female")
        MALE = "m", _("male")
        DIVERSE = "d", _("diverse")

    class Literacy(models.TextChoices):
        YES = "yes", _("reads and writes the Latin script")
        PARTLY = "partly", _("partly")
        OTHER_SCRIPT = "other", _("literate in another script only")
        NO = "no", _("not literate")

    class Assessment(models.TextChoices):
        PLACEMENT_TEST = "placement", _("placement test")
        CERTIFICATE = "certificate", _("certificate")
        TEACHER = "teacher", _("teacher's assessment")
        SELF = "self", _("self-assessment")

    class Mobility(models.TextChoices):
        ANY = "any", _("can travel within the county")
        PUBLIC_TRANSPORT = "public", _("public transport only")
        LOCAL = "local", _("only in the home municipality")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        LEFT = "left", _("left the county / no longer needed")
        ANONYMISED = "anonymised", _("anonymised")

    provider = models.ForeignKey(
        Provider, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="participants"
    )
    code = models.CharField(_("pseudonym code"), max_length=12, unique=True, default=new_pseudonym_code)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality of residence"),
        on_delete=models.PROTECT,
        related_name="participants",
    )
    first_languages = models.CharField(_("first languages"), max_length=200, blank=True)
    literacy = models.CharField(_("literacy in the Latin script"), max_length=10, choices=Literacy.choices)
    level = models.PositiveSmallIntegerField(_("current level"), choices=Level.choices, null=True, blank=True)
    level_assessed_on = models.DateField(_("level assessed on"), null=True, blank=True)
    level_assessed_how = models.CharField(_("level assessed by"), max_length=20, choices=Assessment.choices, blank=True)
    route = models.CharField(_("route into courses"), max_length=20, choices=Route.choices, default=Route.UNKNOWN)
    residence_status = models.CharField(
        _("residence status"), max_length=20, choices=ResidenceStatus.choices, blank=True
    )
    needs_childcare = models.BooleanField(_("needs childcare"), default=False)
    # Parents' integration courses are for parents; unknown (None) excludes nothing.
    is_parent = models.BooleanField(
        _("has children"), null=True, blank=True, help_text=_("Mother or father (for parents' courses).")
    )
    times = models.JSONField(_("possible times"), default=list, blank=True)
    mobility = models.CharField(_("mobility"), max_length=10, choices=Mobility.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Last change to the person, a consent, an enrollment or a wish: what the retention rule counts from.
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        indexes = [
            models.Index(fields=["provider", "status"], name="participant_provider_status"),
            models.Index(fields=["last_activity_at"], name="participant_last_activity"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="participant_birth_year_plausible",
                violation_error_message=_("Please enter a plausible year of birth."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("participants:participant_detail", args=[self.pk])

    @property
    def times_labels(self) -> list[str]:
        names = dict(TimeOfDay.choices)
        return [str(names[t]) for t in TimeOfDay.values if t in (self.times or [])]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ConsentQuerySet(models.QuerySet):
    def valid(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return self.filter(revoked_on__isnull=True, given_on__lte=today).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )


class Consent(models.Model):
    """A participant's documented, revocable consent to share their data for one purpose."""

    class Purpose(models.TextChoices):
        HANDOVER = "handover", _("hand over to a named provider")
        MEETING = "meeting", _("discuss in the coordination meeting")

    class Form(models.TextChoices):
        SIGNED = "signed", _("signed form")
        INTERPRETER = "interpreter", _("signed form, explained with an interpreter")
        VERBAL = "verbal", _("verbal, documented by staff")

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    recipient = models.ForeignKey(
        Provider,
        verbose_name=_("receiving provider"),
        on_delete=models.PROTECT,
        related_name="received_consents",
        null=True,
        blank=True,
    )
    given_on = models.DateField(_("given on"))
    form = models.CharField(_("how"), max_length=12, choices=Form.choices)
    language = models.CharField(_("language of the explanation"), max_length=50, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose="meeting") | Q(recipient__isnull=False),
                name="consent_handover_names_recipient",
                violation_error_message=_("A consent to hand over names the receiving provider."),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("given_on")),
                name="consent_expires_after_given",
                violation_error_message=_("A consent cannot expire before it was given."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} – {self.get_purpose_display()}"

    def is_valid(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.revoked_on is None and self.given_on <= today and (self.expires_on is None or self.expires_on >= today)
        )


class Enrollment(models.Model):
    """A participant waiting for, sitting in, or having left a course."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        ENROLLED = "enrolled", _("enrolled")
        COMPLETED = "completed", _("completed")
        DROPPED = "dropped", _("dropped out")

    class Exam(models.TextChoices):
        DTZ_B1 = "dtz_b1", _("DTZ B1")
        DTZ_A2 = "dtz_a2", _("DTZ A2")
        DTZ_BELOW = "dtz_below", _("DTZ below A2")
        LID = "lid", _("Leben in Deutschland passed")
        CERTIFICATE = "certificate", _("Zertifikat Integrationskurs (B1 + LiD)")
        DTB = "dtb", _("DTB (Deutsch-Test für den Beruf) passed")
        TELC = "telc", _("telc certificate")

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    level_reached = models.PositiveSmallIntegerField(_("level reached"), choices=Level.choices, null=True, blank=True)
    exam_result = models.CharField(_("exam result"), max_length=12, choices=Exam.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-registered_on", "-pk"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            # One open place per person and course: waiting or enrolled, never both twice.
            models.UniqueConstraint(
                fields=["participant", "course"],
                condition=Q(status__in=["waiting", "enrolled"]),
                name="enrollment_one_open_per_course",
                violation_error_message=_("This person is already waiting for or enrolled in this course."),
            ),
        ]
        indexes = [
            # The places rule (courses.models.CourseQuerySet.with_places) counts a course's enrolled people for
            # every course of a list or total: an index-only count per course.
            models.Index(fields=["course"], condition=Q(status="enrolled"), name="enrollment_enrolled_course"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} – {self.course}"


class CourseWish(models.Model):
    """A place on the district's waiting list: what kind of course the person needs, where and when."""

    class Priority(models.IntegerChoices):
        NORMAL = 1, _("normal")
        HIGH = 2, _("high")
        URGENT = 3, _("urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        FULFILLED = "fulfilled", _("fulfilled")
        WITHDRAWN = "withdrawn", _("withdrawn")

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="wishes"
    )
    course_types = models.JSONField(_("course types"), default=list, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("acceptable municipalities"), blank=True, related_name="+"
    )
    max_distance_km = models.PositiveSmallIntegerField(_("or at most this far (km)"), null=True, blank=True)
    times = models.JSONField(_("times"), default=list, blank=True)
    childcare = models.BooleanField(_("needs childcare"), default=False)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    fulfilled_by = models.ForeignKey(
        Enrollment, verbose_name=_("fulfilled by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-priority", "registered_on", "pk"]
        verbose_name = _("course wish")
        verbose_name_plural = _("course wishes")
        indexes = [models.Index(fields=["status", "level"], name="wish_status_level")]

    def __str__(self) -> str:
        return f"{self.participant}: {self.get_level_display()}"

    @property
    def course_type_labels(self) -> list[str]:
        names = dict(CourseType.choices)
        return [str(names.get(code, code)) for code in self.course_types]


class RetentionRun(models.Model):
    """What a run of the retention job did: kept so the coordinator can show it to the data protection officer."""

    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)
    cutoff = models.DateTimeField(_("no activity since"))
    anonymised = models.PositiveIntegerField(_("participants anonymised"), default=0)

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d}: {self.anonymised}"
