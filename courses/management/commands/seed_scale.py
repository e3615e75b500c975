"""Add N × the realistic volume of fictional data for benchmarks and query-count tests.

Realistic size (DESIGN.md, "Scale"): ~25 providers and ~150 courses a year with five years of history. Per
factor this adds 25 providers "Demo-Träger 001" …, their venues, 750 courses spread from five years back to
one year ahead (all statuses), several free-places reports per course and 3,000 participants with enrollments,
course wishes and consents (participants/demo.py). Written with bulk_create.

Idempotent enough: providers are looked up by name, and only missing providers are created (with their venues,
courses and reports), so a second run with the same factor adds nothing. Each provider's data comes from its own
random generator, so it does not depend on which providers already exist.
"""

from __future__ import annotations

import datetime
import math
import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from courses.domain import COURSE_TYPE_DEFAULTS, CourseType, Level, target_group_defaults
from courses.models import Course, Municipality, PlaceReport, Provider, Venue

from .seed_demo import SEED, SLOTS, load_municipalities, reference_data

PROVIDERS_PER_FACTOR = 25
COURSES_PER_PROVIDER = 30  # 25 × 30 = 750 = ~150 courses a year over five years
NAME_PREFIX = "Demo-Träger"
BATCH = 1000

# Main town and a postcode per municipality.
TOWNS = {
    "Altes Amt Lemförde": ("Lemförde", "49448"),
    "Barnstorf": ("Barnstorf", "49406"),
    "Bassum": ("Bassum", "27211"),
    "Bruchhausen-Vilsen": ("Bruchhausen-Vilsen", "27305"),
    "Diepholz": ("Diepholz", "49356"),
    "Kirchdorf": ("Kirchdorf", "27245"),
    "Rehden": ("Rehden", "49453"),
    "Schwaförden": ("Schwaförden", "27252"),
    "Siedenburg": ("Siedenburg", "27254"),
    "Stuhr": ("Stuhr-Brinkum", "28816"),
    "Sulingen": ("Sulingen", "27232"),
    "Syke": ("Syke", "28857"),
    "Twistringen": ("Twistringen", "27239"),
    "Wagenfeld": ("Wagenfeld", "49419"),
    "Weyhe": ("Weyhe-Kirchweyhe", "28844"),
}

# Stations on the Osnabrück–Bremen line; everywhere else buses only.
RAIL = {
    "Altes Amt Lemförde": "Bahnhof Lemförde (RE 9)",
    "Barnstorf": "Bahnhof Barnstorf (RE 9)",
    "Bassum": "Bahnhof Bassum (RE 9, RS 2)",
    "Diepholz": "Bahnhof Diepholz (RE 9)",
    "Syke": "Bahnhof Syke (RE 9, RS 2)",
    "Twistringen": "Bahnhof Twistringen (RE 9, RS 2)",
    "Weyhe": "Bahnhof Kirchweyhe (RE 9, RS 2)",
}

STREETS = ["Schulstraße", "Lindenweg", "Am Markt", "Bahnhofstraße", "Kirchweg", "Gartenstraße", "Mühlenweg"]
FIRST_NAMES = ["Anke", "Birgit", "Dirk", "Elke", "Frank", "Gesa", "Holger", "Ines", "Jens", "Kerstin", "Lars"]
LAST_NAMES = ["Ahrens", "Bruns", "Cordes", "Dettmer", "Ehlers", "Frerichs", "Gerdes", "Harms", "Janssen"]

SHORT_TITLES = {
    CourseType.EOK: "Erstorientierungskurs",
    CourseType.NDS_BASIS: "Basissprachkurs",
    CourseType.NDS_IHF: "Studienvorbereitung Deutsch",
    CourseType.LK_NIEDRIG: "Deutsch im Alltag",
    CourseType.IK_ALLG: "Integrationskurs",
    CourseType.IK_ALPHA: "Alphabetisierungskurs",
    CourseType.IK_ZSL: "Zweitschriftlernerkurs",
    CourseType.IK_JUGEND: "Jugendintegrationskurs",
    CourseType.IK_ELTERN: "Elternintegrationskurs",
    CourseType.IK_FRAUEN: "Frauenintegrationskurs",
    CourseType.IK_FOERDER: "Förderkurs",
    CourseType.IK_INTENSIV: "Intensivkurs",
    CourseType.IK_WIED: "Wiederholerkurs",
    CourseType.OK: "Orientierungskurs",
    CourseType.BSK_A2: "Berufssprachkurs A2",
    CourseType.BSK_B1: "Berufssprachkurs B1",
    CourseType.BSK_B2: "Berufssprachkurs B2",
    CourseType.BSK_C1: "Berufssprachkurs C1",
    CourseType.BSK_ANERK: "Anerkennungskurs",
    CourseType.BSK_FACH: "Fachsprachkurs",
    CourseType.SPRACHCAFE: "Sprachcafé",
}

# Provider kind → weight, and the course types (with weights) such a provider runs.
T = CourseType
PROVIDER_KINDS = {
    Provider.Kind.EDUCATION: 40,
    Provider.Kind.VHS: 12,
    Provider.Kind.CHARITY: 18,
    Provider.Kind.VOLUNTEER: 25,
    Provider.Kind.ADVISORY: 5,
}
FORMAL_TYPES = {
    T.IK_ALLG: 20, T.NDS_BASIS: 12, T.IK_ALPHA: 8, T.EOK: 6, T.BSK_B2: 6, T.IK_FRAUEN: 4, T.IK_ELTERN: 4,
    T.IK_JUGEND: 3, T.BSK_B1: 3, T.BSK_C1: 3, T.IK_WIED: 3, T.IK_INTENSIV: 2, T.OK: 2, T.IK_ZSL: 2,
    T.BSK_A2: 2, T.BSK_FACH: 2, T.IK_FOERDER: 1, T.BSK_ANERK: 1, T.NDS_IHF: 1, T.LK_NIEDRIG: 4,
}  # fmt: skip
INFORMAL_TYPES = {T.SPRACHCAFE: 3, T.LK_NIEDRIG: 2}
COURSE_TYPES_BY_KIND = {
    Provider.Kind.EDUCATION: FORMAL_TYPES,
    Provider.Kind.VHS: FORMAL_TYPES,
    Provider.Kind.CHARITY: {T.LK_NIEDRIG: 3, T.SPRACHCAFE: 2, T.EOK: 1},
    Provider.Kind.VOLUNTEER: INFORMAL_TYPES,
    Provider.Kind.ADVISORY: INFORMAL_TYPES,
}
BASIS_LEVELS = [(Level.ALPHA, Level.A1), (Level.A1, Level.A2), (Level.A2, Level.B1)]
SCHEDULES = [
    ((0, 1, 2, 3, 4), "morning"),
    ((0, 1, 2, 3), "morning"),
    ((0, 1, 2, 3, 4), "parents"),
    ((0, 2, 3), "afternoon"),
    ((1, 3), "afternoon"),
    ((0, 2), "evening"),
    ((0, 1, 3), "evening"),
    ((5,), "saturday"),
]
CAFE_SCHEDULES = [((1,), "cafe"), ((2,), "cafe_evening"), ((3,), "cafe"), ((4,), "cafe")]
CANCEL_REASONS = [
    "Zu wenige Anmeldungen: Mindestteilnehmerzahl nicht erreicht.",
    "Lehrkraft erkrankt, keine Vertretung gefunden.",
    "Raum nicht mehr verfügbar.",
    "Keine passende Busverbindung für die Angemeldeten.",
]


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Command(BaseCommand):
    help = "Add N × realistic volume of fictional providers, venues, courses and free-places reports."

    def add_arguments(self, parser):
        parser.add_argument(
            "--factor", type=int, default=1, help="Multiple of the realistic size (25 providers, 750 courses)."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (one line at the end).")

    def handle(self, *args, factor: int, no_progress: bool = False, **options):
        if factor < 1:
            raise CommandError("--factor must be at least 1.")
        started = time.monotonic()
        names = [f"{NAME_PREFIX} {i:03d}" for i in range(1, factor * PROVIDERS_PER_FACTOR + 1)]
        existing = set(Provider.objects.filter(name__in=names).values_list("name", flat=True))
        todo = [(i, name) for i, name in enumerate(names, start=1) if name not in existing]
        counts = dict.fromkeys(
            ["providers", "venues", "courses", "reports", "participants", "enrollments", "wishes", "consents"], 0
        )
        # Committed in batches of one factor's providers: a cancelled run keeps what it wrote, and a second run
        # adds only the providers that are missing.
        batches = [todo[n : n + PROVIDERS_PER_FACTOR] for n in range(0, len(todo), PROVIDERS_PER_FACTOR)]
        for done, batch in enumerate(batches, start=1):
            with transaction.atomic():
                for key, value in self.seed(batch).items():
                    counts[key] += value
            if not no_progress:
                self.progress(done, len(batches), time.monotonic() - started)
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                "Added {providers} providers, {venues} venues, {courses} courses, {reports} free-places "
                "reports and {participants} participants ({enrollments} enrollments, {wishes} course wishes, "
                "{consents} consents)".format(**counts)
                + f" in {seconds:.1f} s (factor {factor})."
            )
        )

    def progress(self, done: int, total: int, seconds: float) -> None:
        width = 30
        filled = round(width * done / total)
        left = seconds / done * (total - done)
        self.stdout.write(
            f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} batches of {PROVIDERS_PER_FACTOR} providers, "
            f"{seconds:.0f} s, about {left:.0f} s left"
        )

    def seed(self, todo: list[tuple[int, str]]) -> dict[str, int]:
        """One batch of providers (number, name) with their venues, courses, reports and participants."""
        expected = {row["ars"] for row in reference_data()["municipalities"]}
        if set(Municipality.objects.filter(ars__in=expected).values_list("ars", flat=True)) != expected:
            load_municipalities()
        municipalities = [m for m in Municipality.objects.filter(ars__in=expected) if m.name in TOWNS]
        if len(municipalities) != len(TOWNS):
            raise CommandError("The 15 municipalities of the county are missing; run `manage.py seed_demo` first.")

        today = timezone.localdate()
        now = timezone.now()
        rngs = {i: random.Random(SEED * 100_000 + i) for i, _name in todo}
        population = [m.population for m in municipalities]

        providers = []
        for i, name in todo:
            rng = rngs[i]
            municipality = rng.choices(municipalities, weights=population)[0]
            kind = _weighted(rng, PROVIDER_KINDS)
            providers.append(
                Provider(
                    name=name,
                    kind=kind,
                    municipality=municipality,
                    address=f"{rng.choice(STREETS)} {rng.randint(1, 60)}, {' '.join(TOWNS[municipality.name][::-1])}",
                    contact_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    email=f"kontakt@demo-traeger-{i:03d}.example.org",
                    active=rng.random() > 0.04,
                )
            )
        Provider.objects.bulk_create(providers, batch_size=BATCH)
        by_name = {p.name: p for p in Provider.objects.filter(name__in=[name for _i, name in todo])}
        providers = [by_name[name] for _i, name in todo]

        venues: dict[int, list[Venue]] = {}
        all_venues = []
        for (i, _name), provider in zip(todo, providers, strict=True):
            rng = rngs[i]
            places = [provider.municipality] + rng.sample(municipalities, rng.randint(0, 2))
            for n, municipality in enumerate(dict.fromkeys(places), start=1):
                town, postcode = TOWNS[municipality.name]
                rail = RAIL.get(municipality.name)
                venue = Venue(
                    provider=provider,
                    name=f"{provider.name} – Kursraum {n}",
                    street=f"{rng.choice(STREETS)} {rng.randint(1, 60)}",
                    postcode=postcode,
                    town=town,
                    municipality=municipality,
                    accessible=rng.random() < 0.6,
                    childcare_on_site=rng.random() < 0.25,
                    transport_note=f"{rail} ca. {rng.randint(3, 15)} Minuten zu Fuß"
                    if rail
                    else "Nur Bus (VBN); kein Bahnanschluss",
                )
                venues.setdefault(provider.pk, []).append(venue)
                all_venues.append(venue)
        Venue.objects.bulk_create(all_venues, batch_size=BATCH)

        courses = []
        plans = []
        for (i, _name), provider in zip(todo, providers, strict=True):
            rng = rngs[i]
            for n in range(1, COURSES_PER_PROVIDER + 1):
                course, plan = self.make_course(rng, provider, venues[provider.pk], n, today, now)
                courses.append(course)
                plans.append(plan)
        Course.objects.bulk_create(courses, batch_size=BATCH)

        if any(course.pk is None for course in courses):
            raise CommandError("The database backend does not return primary keys from bulk inserts.")
        reports = [
            PlaceReport(course_id=course.pk, free_places=free, reported_at=at)
            for course, plan in zip(courses, plans, strict=True)
            for at, free in plan
        ]
        PlaceReport.objects.bulk_create(reports, batch_size=BATCH)

        # Participants in proportion (3,000 per factor), enrolled only in their own provider's courses.
        from participants.demo import seed_scale_participants

        by_provider: dict[int, list[Course]] = {}
        for course in courses:
            by_provider.setdefault(course.provider_id, []).append(course)
        numbers = [i for i, _name in todo]
        entries = [(i, provider, by_provider[provider.pk]) for i, provider in zip(numbers, providers, strict=True)]
        people = seed_scale_participants(entries, municipalities, seed=SEED, today=today, now=now)
        return {
            "providers": len(providers),
            "venues": len(all_venues),
            "courses": len(courses),
            "reports": len(reports),
            **people,
        }

    def make_course(self, rng, provider, venues, n, today, now):
        course_type = _weighted(rng, COURSE_TYPES_BY_KIND[provider.kind])
        units, level_from, level_to, funder = COURSE_TYPE_DEFAULTS[course_type]
        if course_type == CourseType.NDS_BASIS:
            level_from, level_to = rng.choice(BASIS_LEVELS)
        if course_type == CourseType.SPRACHCAFE:
            weekdays, slot = rng.choice(CAFE_SCHEDULES)
            weeks = rng.randint(10, 40)
            capacity, min_size = rng.randint(20, 30), 0
        else:
            weekdays, slot = rng.choice(SCHEDULES)
            if course_type in (CourseType.IK_ELTERN, CourseType.IK_FRAUEN):
                weekdays, slot = (0, 1, 2, 3, 4), "parents"
            weeks = math.ceil(units / (len(weekdays) * SLOTS[slot][2]))
            weeks += weeks // 8
            capacity = rng.randint(8, 25)
            min_size = min(capacity, rng.randint(5, 12))
        start = today + datetime.timedelta(days=rng.randint(-5 * 365, 365))
        end = start + datetime.timedelta(weeks=weeks, days=-1)

        online = provider.kind == Provider.Kind.EDUCATION and rng.random() < 0.08
        venue = None if online else rng.choice(venues)
        municipality = provider.municipality if online else venue.municipality
        town = "online" if online else venue.town

        roll = rng.random()
        cancel_reason = ""
        if end < today:
            status = Course.Status.FINISHED
        elif start > today:
            status = Course.Status.OPEN if (start - today).days <= 42 else Course.Status.PLANNED
        else:
            status = Course.Status.RUNNING
        if roll < 0.06 and status != Course.Status.RUNNING:
            status = Course.Status.CANCELLED
            cancel_reason = rng.choice(CANCEL_REASONS)

        plan = self.plan_reports(rng, status, start, end, capacity, today, now)
        course = Course(
            provider=provider,
            venue=venue,
            municipality=municipality,
            title=f"{SHORT_TITLES[course_type]} {town} {start:%m/%Y} ({n:02d})",
            course_type=course_type,
            funder=funder,
            level_from=level_from,
            level_to=level_to,
            start_date=start,
            end_date=end,
            weekdays=list(weekdays),
            time_from=SLOTS[slot][0],
            time_to=SLOTS[slot][1],
            teaching_units=units,
            capacity=capacity,
            min_size=min_size,
            childcare=course_type in (CourseType.IK_ELTERN, CourseType.IK_FRAUEN) or rng.random() < 0.1,
            **target_group_defaults(course_type),
            target_group="",
            status=status,
            cancel_reason=cancel_reason,
            # Courses are called off about two weeks before they would have started.
            cancelled_at=min(
                now, datetime.datetime.combine(start - datetime.timedelta(days=14), datetime.time(9), now.tzinfo)
            )
            if status == Course.Status.CANCELLED
            else None,
            free_places=plan[-1][1] if plan else None,
            places_reported_at=plan[-1][0] if plan else None,
        )
        return course, plan

    @staticmethod
    def plan_reports(rng, status, start, end, capacity, today, now) -> list[tuple[datetime.datetime, int]]:
        """(reported_at, free places) oldest first; never in the future."""
        count = rng.randint(2, 5)
        if status == Course.Status.CANCELLED:
            return []
        if status == Course.Status.FINISHED:
            newest_day = end - datetime.timedelta(days=rng.randint(0, 14))
            free = rng.randint(0, 2)
        else:
            roll = rng.random()
            if roll < 0.05:
                return []
            if roll < 0.30:
                age = rng.randint(settings.STALE_REPORT_DAYS + 1, 60)
            else:
                age = rng.randint(0, settings.STALE_REPORT_DAYS - 1)
            newest_day = today - datetime.timedelta(days=age)
            free = rng.randint(0, 4) if status == Course.Status.RUNNING else rng.randint(2, capacity)
        free = min(free, capacity)
        reports = []
        day = newest_day
        for k in range(count):
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(8, 16), 0)))
            if at > now:
                at = now - datetime.timedelta(minutes=k + 1)
            reports.append((at, free))
            day -= datetime.timedelta(days=rng.randint(5, 30))
            free = min(capacity, free + rng.randint(0, 3))
        return list(reversed(reports))
