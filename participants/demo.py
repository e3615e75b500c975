"""Fictional demo participants with enrollments, consents and course wishes (issue "Participants", §9).

`seed_participants(rng)` is called by `manage.py seed_demo` inside its transaction; `seed_scale_participants`
by `manage.py seed_scale`. Everything here is invented:

- Names are combined at random from lists of common first and last names of the main origin groups in the
  county (Syrian, Afghan, Ukrainian, Turkish/Kurdish, Iraqi, Eritrean, some EU), so no real person is described.
- People belong only to the fictional demo providers of seed_demo (never to a real organisation).
- Every person has a stable key (the course seat, waiting-list place or wish they were made for) and a pseudonym
  code derived from it with the seeded generator. A second run finds the codes and creates nothing again;
  a person that exists already is left as it is (also when someone has edited it in the demo).

Consistency rules the demo keeps (the tests in tests/participants/test_demo_participants.py check them):

- People sit in a running or open course only if their level fits the course's entry level (±1), and at most in
  one current course. A course never holds more enrolled people than its capacity; if its reported free places
  are more than capacity − enrolled, a free-places report "Demo: Einschreibungen" corrects them.
- An enrollment in another provider's course is preceded by a handover consent naming that provider.
- Finished courses have completed (with level reached and exam result) and dropped enrollments; the person's
  current level follows from them.
- Most people who completed a course moved on within a few weeks, to the fitting course that began (or begins)
  soonest after theirs ended; the others wait, are on the district waiting list, pause or left the county.
- Routes follow the residence status; since the BAMF stop of 9 Feb 2026 there are no new § 44 (4) admissions,
  only admissions granted before it.
- Unmet demand (open course wishes) is concentrated on Alpha learners, women needing childcare and the rural
  south (Schwaförden, Siedenburg, Kirchdorf, Wagenfeld, Rehden), as in the domain notes.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from auditlog.context import disable_auditlog
from django.db.models import Count, Max
from django.utils import timezone

from courses.domain import CourseType, Level
from courses.management.commands.seed_demo import PROVIDERS, reference_data
from courses.models import Course, Membership, Municipality, PlaceReport, Provider

from .models import CODE_ALPHABET, Consent, CourseWish, Enrollment, Participant, ResidenceStatus, Route, TimeOfDay

DEMO_SEED = 2026
# BAMF circular of 9 Feb 2026: no more admissions under § 44 (4) AufenthG in 2026; earlier admissions stay valid.
BAMF_ADMISSION_STOP = datetime.date(2026, 2, 9)
PLACES_NOTE = "Demo: Einschreibungen"
# People registered on the district waiting list in the last six months without any course so far; with those
# waiting for a full or planned course and alumni looking for the next one, about 80–100 open wishes.
NEW_WISHERS = 30
# Most people who complete a course move on within a few weeks (domain: "timely, well-fitting transitions"):
# this share looks for the fitting course that starts soonest within CONTINUE_WITHIN_DAYS of their course's end.
CONTINUE_SHARE = 0.85
CONTINUE_WITHIN_DAYS = 42
NEIGHBOUR_KM = 18  # seat-to-seat distance that still counts as "next door"
REACH_KM = 25  # how far a person travels to a course (buses only in the south)
BATCH = 1000

T = CourseType
L = Level
R = Route
RS = ResidenceStatus
G = Participant.Gender
LIT = Participant.Literacy
E = Enrollment.Exam

SOUTH = ("Schwaförden", "Siedenburg", "Kirchdorf", "Wagenfeld", "Rehden")
RURAL = SOUTH + ("Altes Amt Lemförde", "Barnstorf", "Bruchhausen-Vilsen")
# Share of foreign residents relative to the county average (domain notes: Stadt Diepholz highest, Schwaförden
# lowest): multiplies the population weight of a municipality.
FOREIGN_FACTOR = {"Diepholz": 1.6, "Schwaförden": 0.6, "Siedenburg": 0.7, "Kirchdorf": 0.8, "Rehden": 0.9}
# Where unmet demand concentrates: no rail, few courses.
WISH_FACTOR = dict.fromkeys(SOUTH, 6.0) | {"Diepholz": 1.3}

# --- Origin groups -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    key: str
    weight: float
    female_share: float
    first_f: tuple[str, ...]
    first_m: tuple[str, ...]
    # A plain name, or (male form, female form) for languages with gendered surnames.
    last: tuple[str | tuple[str, str], ...]
    languages: dict[str, int]
    explained_in: str
    other_script: float  # share of beginners literate only in another script (Arabic, Cyrillic, Ge'ez …)
    alpha_factor: float  # how likely an Alpha learner comes from this group, relative to its weight
    statuses: dict[str, int]


ORIGINS = [
    Origin(
        "syria", 27, 0.45,
        ("Amal", "Rasha", "Hiba", "Nour", "Lina", "Rana", "Huda", "Samira", "Dima", "Reem", "Yasmin", "Fatima",
         "Maryam", "Salma", "Rawan", "Ghada", "Lama", "Bayan", "Aya", "Heba"),
        ("Ahmad", "Mohammad", "Khaled", "Omar", "Yousef", "Mahmoud", "Bilal", "Samer", "Fadi", "Tarek", "Hassan",
         "Rami", "Walid", "Anas", "Majd", "Zaid", "Ayham", "Nizar", "Ghaith", "Firas"),
        ("Al-Hamdan", "Haddad", "Khalil", "Darwish", "Nasser", "Saleh", "Mansour", "Al-Ahmad", "Hamoud", "Qassem",
         "Suleiman", "Hijazi", "Barakat", "Al-Khatib", "Shami", "Abboud", "Najjar", "Halabi", "Al-Masri", "Sabbagh"),
        {"Arabisch": 80, "Arabisch, Kurdisch (Kurmandschi)": 15, "Arabisch, Aramäisch": 5},
        "Arabisch", 0.35, 0.8,
        {RS.AE_25_1_2: 60, RS.AE_FAMILIE: 15, RS.NE: 10, RS.AE_25_3: 5, RS.GESTATTUNG: 10},
    ),
    Origin(
        "afghanistan", 15, 0.42,
        ("Zahra", "Marzia", "Shabnam", "Farzana", "Nilofar", "Masuma", "Roya", "Parwana", "Sakina", "Laila",
         "Mursal", "Freshta", "Hadia", "Tamana"),
        ("Mustafa", "Hamid", "Javad", "Alireza", "Sayed", "Naweed", "Farhad", "Rahim", "Wahid", "Ezatullah",
         "Jawad", "Samiullah", "Habib", "Najib", "Sohrab", "Shafiq"),
        ("Ahmadi", "Hosseini", "Rahimi", "Karimi", "Sultani", "Haidari", "Noori", "Sadat", "Amiri", "Stanikzai",
         "Popal", "Wardak", "Rezaei", "Jafari", "Mohammadi", "Azizi", "Nazari", "Safi"),
        {"Dari": 55, "Paschtu": 20, "Dari, Paschtu": 15, "Dari, Usbekisch": 5, "Hazaragi, Dari": 5},
        "Dari", 0.4, 3.0,
        {RS.AE_25_1_2: 35, RS.AE_25_3: 20, RS.GESTATTUNG: 25, RS.DULDUNG_60A23: 8, RS.AE_FAMILIE: 10, RS.AE_104C: 2},
    ),
    Origin(
        "ukraine", 22, 0.7,
        ("Olena", "Iryna", "Tetiana", "Nataliia", "Oksana", "Yuliia", "Kateryna", "Svitlana", "Anastasiia",
         "Liudmyla", "Viktoriia", "Halyna", "Mariia", "Alla", "Larysa", "Inna"),
        ("Oleksandr", "Andrii", "Serhii", "Dmytro", "Mykola", "Volodymyr", "Ihor", "Yurii", "Vitalii", "Maksym",
         "Bohdan", "Artem", "Roman", "Vasyl"),
        ("Kovalenko", "Shevchuk", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Boiko", "Oliinyk", "Lysenko",
         "Moroz", "Savchenko", "Marchenko", "Rudenko", "Polishchuk", "Hrytsenko", "Kovalchuk", "Pavlenko", "Danyliuk"),
        {"Ukrainisch, Russisch": 60, "Ukrainisch": 25, "Russisch": 15},
        "Ukrainisch", 0.35, 0.0,
        {RS.AE_24: 94, RS.AE_ERWERB: 3, RS.SPAETAUSSIEDLER: 3},
    ),
    Origin(
        "turkey", 10, 0.4,
        ("Ayşe", "Elif", "Zeynep", "Hatice", "Emine", "Berfin", "Rojda", "Dilan", "Sevda", "Gülistan", "Hülya",
         "Nesrin"),
        ("Mehmet", "Emre", "Hüseyin", "Murat", "Serhat", "Baran", "Rojhat", "Yusuf", "Kadir", "Ercan", "Deniz",
         "Agit"),
        ("Yıldız", "Demir", "Kaya", "Aydın", "Çelik", "Arslan", "Doğan", "Kılıç", "Aslan", "Özdemir", "Polat",
         "Tekin", "Ekinci", "Tunç"),
        {"Türkisch": 45, "Kurdisch (Kurmandschi), Türkisch": 45, "Kurdisch (Zazaki), Türkisch": 10},
        "Türkisch", 0.0, 1.0,
        {RS.GESTATTUNG: 40, RS.AE_FAMILIE: 25, RS.AE_ERWERB: 15, RS.AE_25_1_2: 15, RS.DULDUNG_SONST: 5},
    ),
    Origin(
        "iraq", 10, 0.45,
        ("Shirin", "Nadia", "Layla", "Souad", "Bushra", "Zainab", "Jihan", "Nisreen", "Hanan", "Vian", "Nareen"),
        ("Haider", "Ammar", "Karwan", "Dilshad", "Hussein", "Saif", "Nawzad", "Rebin", "Hogir", "Sherzad",
         "Mohanad", "Ziyad"),
        ("Al-Jubouri", "Kareem", "Khudhur", "Abdullah", "Jaafar", "Salih", "Qasim", "Rashid", "Ismail", "Hamid",
         "Khalaf", "Sinjari", "Mirza", "Al-Obaidi"),
        {"Arabisch": 40, "Kurdisch (Sorani)": 25, "Kurdisch (Kurmandschi)": 25, "Kurdisch (Kurmandschi), Arabisch": 10},
        "Kurdisch", 0.3, 2.0,
        {RS.AE_25_1_2: 45, RS.AE_25_3: 10, RS.GESTATTUNG: 13, RS.DULDUNG_60A23: 10, RS.DULDUNG_SONST: 10,
         RS.AE_FAMILIE: 10, RS.AE_104C: 2},
    ),
    Origin(
        "eritrea", 7, 0.4,
        ("Senait", "Yohana", "Selam", "Luwam", "Feven", "Rahel", "Saba", "Merhawit", "Winta", "Tsega", "Hiwet"),
        ("Yonas", "Dawit", "Tesfay", "Filmon", "Kidane", "Mehari", "Biniam", "Robel", "Habtom", "Amanuel",
         "Henok", "Natnael"),
        ("Tesfamariam", "Ghebremedhin", "Habte", "Kahsay", "Tekle", "Berhane", "Woldu", "Andemariam", "Haile",
         "Weldemichael", "Tsegay", "Mebrahtu", "Ghirmay", "Asmerom"),
        {"Tigrinya": 75, "Tigrinya, Arabisch": 15, "Tigre": 10},
        "Tigrinya", 0.45, 2.5,
        {RS.AE_25_1_2: 75, RS.AE_FAMILIE: 20, RS.GESTATTUNG: 5},
    ),
    Origin(
        "eu", 9, 0.5,
        ("Ana-Maria", "Elena", "Ioana", "Mihaela", "Desislava", "Gergana", "Katarzyna", "Magdalena", "Agnieszka",
         "Raluca", "Teodora"),
        ("Andrei", "Ionuț", "Florin", "Georgi", "Dimitar", "Paweł", "Tomasz", "Marcin", "Cristian", "Stoyan",
         "Bogdan"),
        ("Popescu", "Ionescu", "Dumitru", "Stoica", "Munteanu", "Nowak", "Wójcik", "Kaczmarek", "Mazur", "Lungu",
         ("Georgiev", "Georgieva"), ("Petrov", "Petrova"), ("Kowalski", "Kowalska"), ("Stoyanov", "Stoyanova")),
        {"Rumänisch": 45, "Bulgarisch": 30, "Polnisch": 25},
        "Rumänisch", 0.0, 0.0,
        {RS.EU: 100},
    ),
]  # fmt: skip
ORIGIN_BY_KEY = {o.key: o for o in ORIGINS}
# The consent was explained in the first language the person understands best.
EXPLAINED_IN = {"Bulgarisch": "Bulgarisch", "Polnisch": "Polnisch", "Paschtu": "Paschtu", "Russisch": "Russisch"}

# --- Routes and residence statuses -------------------------------------------------------------------------

# The person's route into BAMF courses by residence status (legal claim and obligations are the common case).
ROUTES_BY_STATUS = {
    RS.AE_25_1_2: {R.LEGAL_CLAIM: 55, R.OBLIGED_IMMIGRATION: 20, R.OBLIGED_JOBCENTER: 25},
    RS.AE_FAMILIE: {R.LEGAL_CLAIM: 60, R.OBLIGED_IMMIGRATION: 40},
    RS.AE_ERWERB: {R.LEGAL_CLAIM: 80, R.SELF_PAYER: 20},
    RS.SPAETAUSSIEDLER: {R.LEGAL_CLAIM: 100},
    RS.AE_24: {R.OBLIGED_JOBCENTER: 85, R.BAMF_ADMISSION: 15},
    RS.AE_25_3: {R.OBLIGED_JOBCENTER: 65, R.BAMF_ADMISSION: 35},
    RS.AE_25_5: {R.BAMF_ADMISSION: 70, R.OBLIGED_JOBCENTER: 30},
    RS.AE_104C: {R.BAMF_ADMISSION: 60, R.OBLIGED_JOBCENTER: 40},
    RS.GESTATTUNG: {R.BAMF_ADMISSION: 100},
    RS.DULDUNG_60A23: {R.BAMF_ADMISSION: 100},
    RS.DULDUNG_SONST: {},
    RS.EU: {R.BAMF_ADMISSION: 35, R.SELF_PAYER: 65},
    RS.NE: {R.BAMF_ADMISSION: 40, R.SELF_PAYER: 60},
}
NO_IK_ACCESS = (RS.GESTATTUNG, RS.DULDUNG_60A23, RS.DULDUNG_SONST)
# Statuses a course channel admits (Land courses: refugees regardless of status; EOK: mainly asylum seekers).
CHANNEL_STATUSES = {
    "land": set(RS.values) - {RS.EU, RS.NE, RS.AE_ERWERB, RS.SPAETAUSSIEDLER, RS.DE, RS.UNBEKANNT},
    "county": set(RS.values) - {RS.DE, RS.UNBEKANNT},
    "eok": {RS.GESTATTUNG, RS.DULDUNG_60A23, RS.AE_25_5, RS.AE_25_1_2, RS.AE_25_3},
    "cafe": set(RS.values) - {RS.DE, RS.UNBEKANNT},
    "wish": set(RS.values) - {RS.DE, RS.UNBEKANNT},
}


def channel_of(course_type: str) -> str:
    if course_type.startswith("BSK_"):
        return "bsk"
    if course_type.startswith("NDS_"):
        return "land"
    return {T.LK_NIEDRIG: "county", T.EOK: "eok", T.SPRACHCAFE: "cafe"}.get(course_type, "ik")


# --- Course fit and outcomes -------------------------------------------------------------------------------

ALPHA_TYPES = {T.IK_ALPHA, T.LK_NIEDRIG, T.EOK, T.SPRACHCAFE}
EXACT_ENTRY_TYPES = {T.BSK_A2, T.BSK_B1, T.BSK_B2, T.BSK_C1, T.IK_WIED}
IK_EXAM_TYPES = {T.IK_ALLG, T.IK_ALPHA, T.IK_ZSL, T.IK_JUGEND, T.IK_ELTERN, T.IK_FRAUEN, T.IK_FOERDER,
                 T.IK_INTENSIV, T.IK_WIED}  # fmt: skip
# DTZ outcome shares (B1, A2, below A2) by course type: about half reach B1, Alpha learners often end at A2.
DTZ_SHARES = {T.IK_ALPHA: (15, 50, 35), T.IK_FRAUEN: (40, 45, 15), T.IK_ELTERN: (40, 45, 15),
              T.IK_INTENSIV: (70, 25, 5), T.IK_WIED: (55, 40, 5)}  # fmt: skip


def entry_levels(course: Course) -> list[int]:
    """Levels that fit a course's entry level (±1), below its target level; Alpha only where literacy is taught."""
    low, high = course.level_from, course.level_to
    if course.course_type in EXACT_ENTRY_TYPES:
        return [low]
    if course.course_type == T.SPRACHCAFE:
        return list(range(max(low, L.ALPHA), min(high, L.B1) + 1))
    levels = [lv for lv in (low - 1, low, low + 1) if L.ALPHA <= lv < max(high, low + 1)]
    if course.course_type == T.IK_ALPHA:
        return [L.ALPHA, L.PRE_A1]
    if course.course_type not in ALPHA_TYPES and not (course.course_type == T.NDS_BASIS and low == L.ALPHA):
        levels = [lv for lv in levels if lv != L.ALPHA]
    if course.course_type in (T.BSK_FACH, T.BSK_ANERK, T.NDS_IHF):
        levels = [lv for lv in levels if lv >= low]
    return levels or [low]


def level_fits(level: int | None, course: Course) -> bool:
    return level is not None and level in entry_levels(course)


def step_backwards(level: int | None, course: Course) -> bool:
    """A course ending below the level, or starting below it without leading above it (as matching judges)."""
    if level is None:
        return False
    return course.level_to < level or (course.level_from < level and course.level_to <= level)


def wish_types_for(level: int, *, literacy: str, female: bool, childcare: bool, young: bool, ik_access: bool):
    """Course types a person at this level asks for (Alpha → Alpha course or low-threshold course, B1 → BSK B2)."""
    if level == L.ALPHA:
        return [T.IK_ALPHA, T.LK_NIEDRIG] if ik_access else [T.LK_NIEDRIG, T.NDS_BASIS]
    if level >= L.B2:
        return [T.BSK_C1, T.BSK_ANERK]
    if level == L.B1:
        return [T.BSK_B2, T.BSK_FACH]
    if not ik_access:
        return [T.NDS_BASIS, T.LK_NIEDRIG] if level <= L.A1 else [T.NDS_BASIS]
    if level == L.A2:
        return [T.IK_ALLG, T.BSK_B1]
    types = [T.IK_ALLG]
    if literacy == LIT.OTHER_SCRIPT:
        types = [T.IK_ZSL, T.IK_ALLG]
    if female and childcare:
        types = [T.IK_FRAUEN, T.IK_ELTERN]
    elif childcare:
        types = [T.IK_ELTERN, T.IK_ALLG]
    elif young:
        types = [T.IK_JUGEND, T.IK_ALLG]
    return types


# --- Small helpers -----------------------------------------------------------------------------------------


def _weighted(r: random.Random, weights: dict):
    keys = [k for k, w in weights.items() if w > 0]
    return r.choices(keys, weights=[weights[k] for k in keys])[0]


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _km(a: Municipality, b: Municipality) -> float:
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (a.seat_lat, a.seat_lon, b.seat_lat, b.seat_lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _times_of(course: Course) -> str:
    if course.weekdays and min(course.weekdays) >= 5:
        return TimeOfDay.WEEKEND
    if course.time_from is None or course.time_from.hour < 12:
        return TimeOfDay.MORNING
    return TimeOfDay.AFTERNOON if course.time_from.hour < 17 else TimeOfDay.EVENING


def _aware(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _code(r: random.Random, taken: set[str]) -> str:
    while True:
        code = "TN-" + "".join(r.choice(CODE_ALPHABET) for _ in range(6))
        if code not in taken:
            taken.add(code)
            return code


# --- Plans -------------------------------------------------------------------------------------------------


@dataclass
class EnrollmentPlan:
    course: Course
    status: str
    registered_on: datetime.date
    enrolled_on: datetime.date | None = None
    ended_on: datetime.date | None = None
    level_reached: int | None = None
    exam_result: str = ""


@dataclass
class ConsentPlan:
    purpose: str
    recipient: Provider | None
    given_on: datetime.date
    form: str
    language: str
    expires_on: datetime.date | None = None
    revoked_on: datetime.date | None = None


@dataclass
class WishPlan:
    level: int
    course_types: list[str]
    municipalities: list[Municipality]
    max_distance_km: int | None
    times: list[str]
    childcare: bool
    priority: int
    registered_on: datetime.date
    status: str = CourseWish.Status.OPEN
    fulfilled_by: EnrollmentPlan | None = None


@dataclass
class PersonPlan:
    key: str
    r: random.Random
    code: str
    origin: Origin
    provider: Provider
    municipality: Municipality
    first_name: str
    last_name: str
    birth_year: int
    birth_date: datetime.date | None
    gender: str
    first_languages: str
    literacy: str
    level: int | None
    residence: str  # the true status; stored in ~60 % of records
    store_residence: bool
    route: str
    needs_childcare: bool
    times: list[str]
    mobility: str
    is_parent: bool | None = None
    status: str = Participant.Status.ACTIVE
    notes: list[str] = field(default_factory=list)
    enrollments: list[EnrollmentPlan] = field(default_factory=list)
    consents: list[ConsentPlan] = field(default_factory=list)
    wishes: list[WishPlan] = field(default_factory=list)
    registered_on: datetime.date | None = None
    level_assessed_on: datetime.date | None = None
    level_assessed_how: str = ""
    last_activity_at: datetime.datetime | None = None

    @property
    def female(self) -> bool:
        return self.gender == G.FEMALE

    @property
    def current(self) -> EnrollmentPlan | None:
        """The enrollment in a running or upcoming course (at most one per person)."""
        return next((e for e in self.enrollments if e.status == Enrollment.Status.ENROLLED), None)

    @property
    def waiting(self) -> bool:
        return any(e.status == Enrollment.Status.WAITING for e in self.enrollments)

    @property
    def last_end(self) -> datetime.date | None:
        ends = [e.ended_on for e in self.enrollments if e.ended_on]
        return max(ends) if ends else None

    @property
    def open_wish(self) -> bool:
        return any(w.status == CourseWish.Status.OPEN for w in self.wishes)

    def age(self, today: datetime.date) -> int:
        return today.year - self.birth_year


# --- The district as the planner sees it -------------------------------------------------------------------


class DemoWorld:
    """Demo providers, municipalities and courses, loaded once; the planner reads only from here."""

    def __init__(self, today: datetime.date):
        self.today = today
        real = {row["name"] for row in reference_data()["providers"] if row["real"]}
        names = [name for name in PROVIDERS.values() if name not in real]
        if len(names) != len(PROVIDERS):
            raise ValueError("Demo participants must not be attached to a real organisation.")
        providers = {p.name: p for p in Provider.objects.filter(name__in=names).select_related("municipality")}
        self.providers = {key: providers[name] for key, name in PROVIDERS.items() if name in providers}
        self.municipalities = list(Municipality.objects.order_by("name"))
        self.km = {(a.pk, b.pk): _km(a, b) for a in self.municipalities for b in self.municipalities}
        self.courses = list(
            Course.objects.filter(provider__in=self.providers.values())
            .select_related("provider", "municipality")
            .order_by("provider__name", "title")
        )
        # Free places as the providers reported them (not the demo's own corrections): decides which courses
        # are full, so a second run plans the same waiting lists.
        self.reported_free: dict[int, int] = {}
        reports = (
            PlaceReport.objects.filter(course__in=self.courses)
            .exclude(note=PLACES_NOTE)
            .order_by("course_id", "reported_at", "pk")
            .values_list("course_id", "free_places")
        )
        for course_id, free in reports:
            self.reported_free[course_id] = free  # the newest wins
        # Where each provider works: its seat and its venues.
        self.places: dict[int, set[int]] = defaultdict(set)
        for p in self.providers.values():
            self.places[p.pk].add(p.municipality_id)
            for municipality_id in p.venues.values_list("municipality_id", flat=True):
                self.places[p.pk].add(municipality_id)
        self.recorders: dict[int, list] = defaultdict(list)
        for membership in Membership.objects.filter(provider__in=self.providers.values()).select_related("user"):
            self.recorders[membership.provider_id].append(membership.user)
        for users in self.recorders.values():
            users.sort(key=lambda u: u.username)

    def neighbours(self, municipality: Municipality, km: float = NEIGHBOUR_KM) -> list[Municipality]:
        return [m for m in self.municipalities if m != municipality and self.km[municipality.pk, m.pk] <= km]

    def distance_to_course(self, municipality: Municipality, course: Course) -> float:
        return 0.0 if course.venue_id is None else self.km[municipality.pk, course.municipality_id]

    def provider_distance(self, municipality: Municipality, provider: Provider) -> float:
        return min(self.km[municipality.pk, m] for m in self.places[provider.pk])


# --- The planner -------------------------------------------------------------------------------------------


class Planner:
    """Plans every demo person with their history, in a fixed order and from generators keyed by the person,
    so the plan is the same on every run with the same seed and the same courses."""

    def __init__(self, world: DemoWorld, seed: int):
        self.w = world
        self.seed = seed
        self.today = world.today
        self.people: list[PersonPlan] = []
        self.codes: set[str] = set()

    def rng(self, *parts) -> random.Random:
        return random.Random(f"{self.seed}:" + ":".join(str(p) for p in parts))

    # -- people ----------------------------------------------------------------------------------------------

    def pick_municipality(self, r: random.Random, *, near: Course | None = None, wish: bool = False):
        if near is not None and near.venue_id is not None:
            if r.random() < 0.6:
                return near.municipality
            options = self.w.neighbours(near.municipality)
            if options:
                return r.choices(options, weights=[m.population for m in options])[0]
            return near.municipality
        factors = WISH_FACTOR if wish else FOREIGN_FACTOR
        weights = [m.population * factors.get(m.name, 1.0) for m in self.w.municipalities]
        return r.choices(self.w.municipalities, weights=weights)[0]

    def pick_owner(self, r: random.Random, municipality: Municipality, *, young: bool, female: bool) -> Provider:
        weights = {}
        for key, provider in self.w.providers.items():
            factor = {"mbe": 0.7, "jmd": 0.7 if young else 0.05, "kirchdorf": 0.4 if female else 0.0}.get(key)
            if factor is None:
                factor = 1.0 if provider.kind in (Provider.Kind.VHS, Provider.Kind.EDUCATION) else 0.35
            weights[provider] = factor * math.exp(-self.w.provider_distance(municipality, provider) / 10)
        return _weighted(r, weights)

    def new_person(
        self,
        key: str,
        *,
        course: Course | None = None,
        level: int | None = None,
        municipality: Municipality | None = None,
        female: bool | None = None,
        young: bool = False,
        childcare: float | None = None,
        wish: bool = False,
        channel: str | None = None,
    ) -> PersonPlan:
        r = self.rng("person", key)
        code = _code(self.rng("code", key), self.codes)
        today = self.today
        if course is not None:
            channel = channel_of(course.course_type)
            # Whom the course is for is data on the course (target group), not in its title.
            if course.women_only:
                female = True
            if course.age_max is not None and course.age_max <= 27:
                young = True
            if childcare is None and (course.childcare or course.parents_only):
                childcare = 0.7
            if level is None:
                options = entry_levels(course)
                low = course.level_from
                level = r.choices(options, weights=[5 if lv == low else (4 if lv > low else 1) for lv in options])[0]
        channel = channel or "wish"
        if municipality is None:
            municipality = self.pick_municipality(r, near=course, wish=wish)

        # Origin and residence status compatible with the course (BAMF courses need a route in).
        # § 44 (4) admissions only for people already in (or through) a course: granted before the BAMF stop.
        # Decided by the course's status, not its dates, so a later run plans the same people.
        admission_ok = course is not None and course.status in (Course.Status.FINISHED, Course.Status.RUNNING)
        for _attempt in range(50):
            weights = {o.key: o.weight * (o.alpha_factor if level == L.ALPHA else 1.0) for o in ORIGINS}
            if female:
                weights = {k: w * ORIGIN_BY_KEY[k].female_share for k, w in weights.items()}
            origin = ORIGIN_BY_KEY[_weighted(r, weights)]
            statuses = {s: w for s, w in origin.statuses.items() if self.status_ok(s, channel, admission_ok)}
            if channel in ("ik", "bsk"):  # admissions were the exception even before the stop
                statuses = {s: w * (0.3 if s in NO_IK_ACCESS else 1) for s, w in statuses.items()}
            if statuses:
                break
        else:
            origin, statuses = ORIGIN_BY_KEY["syria"], {RS.AE_25_1_2: 1}
        residence = _weighted(r, statuses)
        route = self.pick_route(r, residence, channel, admission_ok)

        if female is None:
            roll = r.random()
            gender = G.DIVERSE if roll < 0.004 else ("" if roll < 0.02 else None)
            if gender is None:
                gender = G.FEMALE if r.random() < origin.female_share else G.MALE
        else:
            gender = G.FEMALE if female else G.MALE
        if young:
            age = r.randint(19, 26)
        else:
            band = r.choices([(19, 26), (27, 35), (36, 45), (46, 55), (56, 66)], weights=[18, 32, 26, 15, 9])[0]
            if origin.key == "ukraine" and r.random() < 0.4:
                band = (40, 66)
            age = r.randint(*band)
        birth_year = min(2007, max(1960, today.year - age))
        birth_date = None
        if r.random() < 0.3:
            birth_date = datetime.date(birth_year, 1, 1) + _days(r.randint(0, 364))
        names_f, names_m = origin.first_f, origin.first_m
        first = r.choice(names_f if gender == G.FEMALE else names_m if gender == G.MALE else names_f + names_m)
        last = r.choice(origin.last)
        if isinstance(last, tuple):
            last = last[1] if gender == G.FEMALE else last[0]
        languages = _weighted(r, origin.languages)

        if level == L.ALPHA:
            literacy = LIT.NO if r.random() < 0.55 else LIT.PARTLY
        elif level == L.PRE_A1 and course is not None and course.course_type == T.IK_ALPHA:
            literacy = LIT.PARTLY
        elif level is not None and level <= L.PRE_A1 and r.random() < origin.other_script:
            literacy = LIT.OTHER_SCRIPT
        else:
            literacy = LIT.YES

        prime = 20 <= age <= 45
        if childcare is None:
            childcare = (0.3 if gender == G.FEMALE else 0.06) if prime else 0.02
        needs_childcare = r.random() < childcare
        times = [_times_of(course)] if course is not None else []
        if needs_childcare:
            times = times or [TimeOfDay.MORNING]
        else:
            for extra in (TimeOfDay.MORNING, TimeOfDay.AFTERNOON, TimeOfDay.EVENING, TimeOfDay.WEEKEND):
                if extra not in times and r.random() < (0.45 if extra == TimeOfDay.MORNING else 0.25):
                    times.append(extra)
            times = times or [TimeOfDay.MORNING]
        times = [t for t in TimeOfDay.values if t in times]
        rural = municipality.name in RURAL
        mobility = _weighted(
            r,
            {"local": 20, "public": 55, "any": 15, "": 10} if rural else {"local": 5, "public": 60, "any": 25, "": 10},
        )

        if course is not None and r.random() < 0.72:
            owner = course.provider
        else:
            owner = self.pick_owner(r, municipality, young=young, female=gender == G.FEMALE)
        person = PersonPlan(
            key=key,
            r=r,
            code=code,
            origin=origin,
            provider=owner,
            municipality=municipality,
            first_name=first,
            last_name=last,
            birth_year=birth_year,
            birth_date=birth_date,
            gender=gender,
            first_languages=languages,
            literacy=literacy,
            level=level,
            residence=residence,
            store_residence=r.random() < 0.6,
            route=route,
            needs_childcare=needs_childcare,
            times=times,
            mobility=mobility,
            is_parent=self.parent_of(key, needs_childcare=needs_childcare, age=age, gender=gender),
        )
        self.people.append(person)
        return person

    def parent_of(self, key: str, *, needs_childcare: bool, age: int, gender: str) -> bool | None:
        """Recorded as a parent where childcare is needed; for others "no", "yes" or not recorded (a generator of
        its own, so that the rest of the plan stays as it was)."""
        if needs_childcare:
            return True
        roll = self.rng("parent", key).random()
        if age < 25:
            return False if roll < 0.7 else None
        return True if roll < 0.35 else (False if roll < 0.65 else None)

    def align_with_courses(self, person: PersonPlan) -> None:
        """Make the record say what the person's courses imply: someone who sits in a course outside the home
        municipality can travel; someone in a BAMF course has a route into it; a parents' course is for a parent."""
        attended = [e for e in person.enrollments if e.status != Enrollment.Status.WAITING]
        if person.mobility == Participant.Mobility.LOCAL and any(
            e.course.venue_id is not None and e.course.municipality_id != person.municipality.pk for e in attended
        ):
            person.mobility = Participant.Mobility.PUBLIC_TRANSPORT
        if person.route in (R.LAND_COURSE, R.COUNTY_COURSE) and any(e.course.funder == "bamf" for e in attended):
            routes = {k: w for k, w in ROUTES_BY_STATUS.get(person.residence, {}).items() if k != R.SELF_PAYER}
            person.route = _weighted(self.rng("route", person.key), routes) if routes else R.BAMF_ADMISSION
        if any(e.course.parents_only for e in person.enrollments):
            person.is_parent = True

    @staticmethod
    def status_ok(status: str, channel: str, admission_ok: bool) -> bool:
        if channel in ("ik", "bsk"):
            routes = dict(ROUTES_BY_STATUS.get(status, {}))
            if not admission_ok:
                routes.pop(R.BAMF_ADMISSION, None)
            if channel == "bsk" and status in NO_IK_ACCESS:
                return False
            return bool(routes)
        return status in CHANNEL_STATUSES[channel]

    @staticmethod
    def pick_route(r: random.Random, status: str, channel: str, admission_ok: bool) -> str:
        bamf = dict(ROUTES_BY_STATUS.get(status, {}))
        if not admission_ok:
            bamf.pop(R.BAMF_ADMISSION, None)
        if channel in ("ik", "bsk"):
            return _weighted(r, bamf)
        if status in NO_IK_ACCESS or not bamf:
            local = {"land": {R.LAND_COURSE: 70, R.UNKNOWN: 30}, "county": {R.COUNTY_COURSE: 70, R.UNKNOWN: 30}}
            return _weighted(r, local.get(channel, {R.LAND_COURSE: 40, R.COUNTY_COURSE: 35, R.UNKNOWN: 25}))
        if r.random() < 0.55:
            return _weighted(r, bamf)
        return {"land": R.LAND_COURSE, "county": R.COUNTY_COURSE}.get(channel, R.UNKNOWN)

    def fits_person(self, person: PersonPlan, course: Course) -> bool:
        """Whether an existing person could take a place in (or wait for) this course."""
        if not level_fits(person.level, course) or person.status != Participant.Status.ACTIVE:
            return False
        from transitions.matching import Person, target_group_exclusion

        # The matching's target-group rules (women only, age at the start, parents), on the planned person.
        planned = Person(
            gender=person.gender,
            birth_year=person.birth_year,
            birth_date=person.birth_date,
            is_parent=person.is_parent,
            needs_childcare=person.needs_childcare,
        )
        if target_group_exclusion(course, planned) is not None:
            return False
        if course.parents_only and not person.needs_childcare:
            return False
        bamf = channel_of(course.course_type) in ("ik", "bsk")
        if bamf and person.residence in NO_IK_ACCESS and person.route != R.BAMF_ADMISSION:
            return False
        statuses = CHANNEL_STATUSES.get(channel_of(course.course_type))
        if statuses is not None and person.residence not in statuses:
            return False
        return self.w.distance_to_course(person.municipality, course) <= REACH_KM

    # -- enrollments -----------------------------------------------------------------------------------------

    def target_seats(self, course: Course) -> tuple[int, random.Random]:
        """How many demo people sit in a current course, and the course's generator (drawn from after that)."""
        r = self.rng("current", course.title)
        running = course.status == Course.Status.RUNNING
        target = max(1, round(course.capacity * (r.uniform(0.28, 0.5) if running else r.uniform(0.15, 0.3))))
        return min(target, course.capacity), r

    def enrol(
        self,
        person: PersonPlan,
        course: Course,
        r: random.Random,
        *,
        after: datetime.date | None = None,
        continuing: bool = False,
    ) -> EnrollmentPlan:
        """An enrollment in a running or open course, after `after` (the end of the person's last course);
        `continuing`: moving on from that course to this one, from its start. Never fails: which people exist
        must not depend on how the dates fall on the day of the run."""
        today = self.today
        if course.status == Course.Status.RUNNING and continuing:
            enrolled_on = max(course.start_date - _days(r.randint(0, 7)), after + _days(1))
        elif course.status == Course.Status.RUNNING and after is None:
            enrolled_on = course.start_date - _days(r.randint(0, 10))
        else:  # an upcoming course, or joining a language café later
            enrolled_on = today - _days(r.randint(0, 25))
            if course.status == Course.Status.RUNNING:
                enrolled_on = max(enrolled_on, course.start_date)
            if after is not None:
                enrolled_on = max(enrolled_on, after + _days(1 + r.randint(0, 7)))
            enrolled_on = min(enrolled_on, today)
        registered_on = enrolled_on - _days(r.randint(3, 40))
        if after is not None:
            registered_on = max(registered_on, after - _days(30))
        plan = EnrollmentPlan(course, Enrollment.Status.ENROLLED, registered_on, enrolled_on=enrolled_on)
        person.enrollments.append(plan)
        return plan

    def history(self, person: PersonPlan, course: Course, r: random.Random) -> EnrollmentPlan:
        """A completed or dropped enrollment in a finished course; sets the person's level from the result."""
        start, end = course.start_date, course.end_date
        span = max((end - start).days, 1)
        registered_on = start - _days(r.randint(10, 60))
        plan = EnrollmentPlan(
            course, Enrollment.Status.COMPLETED, registered_on, enrolled_on=start - _days(r.randint(0, 7))
        )
        ctype = course.course_type
        dropout = 0.2 if ctype == T.IK_ALPHA else 0.12
        if r.random() < dropout:
            plan.status = Enrollment.Status.DROPPED
            plan.ended_on = min(start + _days(int(span * r.uniform(0.15, 0.85))), self.today - _days(1))
            person.notes.append(
                r.choice(
                    [
                        "Kurs abgebrochen: Arbeitsaufnahme im Schichtdienst.",
                        "Kurs abgebrochen, da die Kinderbetreuung weggefallen ist.",
                        "Kurs wegen Umzug innerhalb des Landkreises abgebrochen.",
                        "Kurs abgebrochen: Busverbindung zum Kursort fiel weg.",
                    ]
                )
            )
        else:
            plan.ended_on = end
            self.outcome(plan, person, r)
        person.enrollments.append(plan)
        return plan

    def outcome(self, plan: EnrollmentPlan, person: PersonPlan, r: random.Random) -> None:
        ctype = plan.course.course_type
        entry = person.level if person.level is not None else plan.course.level_from
        if ctype in IK_EXAM_TYPES:
            b1, a2, below = DTZ_SHARES.get(ctype, (50, 35, 15))
            result = _weighted(r, {"b1": b1, "a2": a2, "below": below})
            if result == "b1":
                plan.level_reached = L.B1
                plan.exam_result = E.CERTIFICATE if r.random() < 0.55 else E.DTZ_B1
            elif result == "a2":
                plan.level_reached, plan.exam_result = L.A2, E.DTZ_A2
            else:
                plan.level_reached, plan.exam_result = max(entry, L.A1), E.DTZ_BELOW
        elif ctype == T.SPRACHCAFE:
            plan.level_reached = None
        elif ctype in (T.BSK_A2, T.BSK_B1, T.BSK_B2, T.BSK_C1, T.BSK_FACH):
            if r.random() < 0.7:
                plan.level_reached, plan.exam_result = plan.course.level_to, E.DTB
            else:
                plan.level_reached = plan.course.level_from
        else:  # Land, county and orientation courses: the teacher's assessment, sometimes a telc certificate
            plan.level_reached = min(plan.course.level_to, entry + r.choice([0, 1, 1, 1]))
            if plan.level_reached >= L.A2 and r.random() < 0.3:
                plan.exam_result = E.TELC
        if plan.level_reached is not None:
            person.level = max(plan.level_reached, person.level if person.level is not None else 0)
            if person.level >= L.A1 and person.literacy in (LIT.NO, LIT.OTHER_SCRIPT):
                person.literacy = LIT.PARTLY if person.level == L.A1 else LIT.YES
            if person.level >= L.A2:
                person.literacy = LIT.YES

    def add_wish(self, person: PersonPlan, r: random.Random, *, on: datetime.date, course: Course | None = None):
        today = self.today
        level = person.level if person.level is not None else L.PRE_A1
        ik_access = person.residence not in NO_IK_ACCESS and person.route not in (R.LAND_COURSE, R.COUNTY_COURSE)
        young = person.age(today) <= 26
        types = wish_types_for(
            level,
            literacy=person.literacy,
            female=person.female,
            childcare=person.needs_childcare,
            young=young,
            ik_access=ik_access,
        )
        last = next((e for e in reversed(person.enrollments) if e.exam_result), None)
        if last is not None and last.exam_result in (E.DTZ_A2, E.DTZ_BELOW) and ik_access:
            # Below B1 after proper attendance: 300 UE repetition, or the special job-related course.
            types = [T.IK_WIED, T.BSK_B1 if last.exam_result == E.DTZ_A2 else T.BSK_A2]
        if course is not None and course.course_type not in types:
            types = [course.course_type, *types[:1]]
        municipalities: list[Municipality] = []
        max_distance = None
        if person.mobility == "local":
            municipalities = [person.municipality]
        elif r.random() < 0.3:
            max_distance = r.choice([10, 15, 20, 25, 30])
        else:
            municipalities = [person.municipality, *self.w.neighbours(person.municipality)]
            if course is not None and course.municipality not in municipalities:
                municipalities.append(course.municipality)
        roll = r.random()
        urgent = person.route in (R.OBLIGED_IMMIGRATION, R.OBLIGED_JOBCENTER)
        priority = (
            CourseWish.Priority.URGENT
            if roll < (0.25 if urgent else 0.06)
            else CourseWish.Priority.HIGH
            if roll < 0.35
            else CourseWish.Priority.NORMAL
        )
        wish = WishPlan(
            level=level,
            course_types=list(dict.fromkeys(str(t) for t in types)),
            municipalities=municipalities,
            max_distance_km=max_distance,
            times=list(person.times),
            childcare=person.needs_childcare,
            priority=priority,
            registered_on=min(on, today),
        )
        person.wishes.append(wish)
        return wish

    # -- the plan --------------------------------------------------------------------------------------------

    def plan(self) -> list[PersonPlan]:
        today = self.today
        courses = self.w.courses
        finished = [c for c in courses if c.status == Course.Status.FINISHED]
        current = [
            c for c in courses if c.status in (Course.Status.RUNNING, Course.Status.OPEN) and c.end_date >= today
        ]
        planned = [c for c in courses if c.status == Course.Status.PLANNED and c.end_date >= today]

        # 1. Finished courses: who completed them, with which result, and who dropped out.
        alumni: list[PersonPlan] = []
        for course in finished:
            r = self.rng("finished", course.title)
            cafe = course.course_type == T.SPRACHCAFE
            n = r.randint(3, 5) if cafe else round(course.capacity * r.uniform(0.4, 0.65))
            for k in range(n):
                person = self.new_person(f"hist:{course.title}:{k}", course=course)
                self.history(person, course, person.r)
                if not cafe:
                    alumni.append(person)

        # 1b. Most alumni move on within a few weeks: to the fitting course that started (or starts) soonest after
        # theirs ended, at most as many as step 2 plans for the course. The others wait, pause or leave (steps 3,
        # 4 and 6): the minority without a follow-up so far.
        continuing: Counter[int] = Counter()
        stopping: set[str] = set()  # not looking for a next course now: they pause or leave (step 6)
        for person in alumni:
            finished_plan = person.enrollments[0]
            r = self.rng("next", person.key)
            if finished_plan.status != Enrollment.Status.COMPLETED:
                continue
            if r.random() >= CONTINUE_SHARE:
                stopping.add(person.key)
                continue
            end = finished_plan.ended_on
            options = [
                c
                for c in current
                if c.course_type != T.SPRACHCAFE
                and end < c.start_date <= end + _days(CONTINUE_WITHIN_DAYS)
                and continuing[c.pk] < self.target_seats(c)[0]
                and self.fits_person(person, c)
                and not step_backwards(person.level, c)
            ]
            if options:
                course = min(
                    options, key=lambda c: (c.start_date, self.w.distance_to_course(person.municipality, c), c.pk)
                )
                self.enrol(person, course, r, after=end, continuing=True)
                continuing[course.pk] += 1

        # 2. Running and open courses: alumni continuing, then new people; a few dropped out recently.
        dropped_recently: list[PersonPlan] = []
        for course in current:
            if course.course_type == T.SPRACHCAFE:
                continue
            target, r = self.target_seats(course)
            running = course.status == Course.Status.RUNNING
            seats = continuing[course.pk]
            # Alumni move on to upcoming courses (a running course started before they finished, or may have).
            for person in alumni if not running else []:
                if seats >= target // 2:
                    break
                if person.current or person.waiting or not self.fits_person(person, course):
                    continue
                if r.random() < 0.6:
                    self.enrol(person, course, r, after=person.last_end)
                    seats += 1
            for k in range(target - seats):
                person = self.new_person(f"seat:{course.title}:{k}", course=course)
                self.enrol(person, course, person.r)
                if person.r.random() < 0.12:  # came from the district waiting list
                    plan = person.current
                    wish = self.add_wish(person, person.r, on=plan.registered_on - _days(person.r.randint(10, 90)))
                    wish.status, wish.fulfilled_by = CourseWish.Status.FULFILLED, plan
            if running and r.random() < 0.3:
                person = self.new_person(f"dropped:{course.title}", course=course)
                plan = self.enrol(person, course, person.r)
                plan.status = Enrollment.Status.DROPPED
                span = max(1, (today - plan.enrolled_on).days - 1)
                ended_on = plan.enrolled_on + _days(r.randint(min(10, span), span))
                plan.ended_on = max(plan.enrolled_on, min(ended_on, today - _days(1)))
                person.notes.append(
                    r.choice(
                        [
                            "Abgemeldet: Kinderbetreuung am Vormittag nicht gesichert.",
                            "Abgemeldet: Arbeitsaufnahme, sucht einen Abendkurs.",
                            "Abgemeldet wegen Pflege eines Angehörigen, möchte später wieder einsteigen.",
                        ]
                    )
                )
                dropped_recently.append(person)

        # 3. Waiting lists: full current courses and planned courses.
        for course in current + planned:
            if course.course_type == T.SPRACHCAFE:
                continue
            full = self.w.reported_free.get(course.pk) == 0
            if course.status != Course.Status.PLANNED and not full:
                continue
            r = self.rng("waiting", course.title)
            n = r.randint(1, 4) if full else (r.randint(4, 7) if course.course_type in (T.IK_WIED, T.IK_FRAUEN) else 2)
            added = 0
            for person in alumni:
                if added >= n:
                    break
                if person.current or person.waiting or person.key in stopping or not self.fits_person(person, course):
                    continue
                if r.random() < 0.7:
                    self.wait(person, course, r)
                    added += 1
            for k in range(n - added):
                south = course.municipality.name in SOUTH
                person = self.new_person(
                    f"waiting:{course.title}:{k}",
                    course=course,
                    municipality=self.pick_municipality(self.rng("where", course.title, k), wish=True)
                    if south and course.course_type == T.IK_FRAUEN
                    else None,
                )
                self.wait(person, course, person.r)

        # 4. The district waiting list: alumni without a next course, recent dropouts, then new people.
        for person in alumni + dropped_recently:
            if person.current or person.waiting or person.wishes or person.status != Participant.Status.ACTIVE:
                continue
            if person.key in stopping:
                continue
            r = self.rng("wish", person.key)
            if person in dropped_recently or r.random() < 0.45:
                start = max(person.last_end or today, today - _days(180))
                self.add_wish(person, r, on=start + _days(r.randint(0, max(0, (today - start).days))))
        for k in range(NEW_WISHERS):
            self.new_wisher(f"wish:{k}")

        # 5. Language cafés: people without a course meet there while they wait, plus a few regulars.
        for course in current:
            if course.course_type != T.SPRACHCAFE:
                continue
            r = self.rng("cafe", course.title)
            n = r.randint(3, 6)
            seats = 0
            for person in self.people:
                if seats >= n:
                    break
                if person.current or not self.fits_person(person, course):
                    continue
                if self.w.distance_to_course(person.municipality, course) <= 12 and r.random() < 0.5:
                    plan = self.enrol(person, course, r, after=person.last_end)
                    plan.registered_on = max([plan.registered_on] + [w.registered_on for w in person.wishes])
                    plan.enrolled_on = max(plan.enrolled_on, plan.registered_on)
                    seats += 1
            for j in range(max(0, min(3, n - seats))):
                person = self.new_person(f"cafe:{course.title}:{j}", course=course)
                self.enrol(person, course, person.r)

        # 6. Alumni with nothing planned: some paused or left; and a few people registered only days ago.
        for person in alumni:
            if person.current or person.waiting or person.wishes:
                continue
            r = self.rng("status", person.key)
            roll = r.random() * (0.35 if person.key in stopping else 1.0)
            if roll < 0.2:
                person.status = Participant.Status.PAUSED
                person.notes.append(r.choice(["Pausiert: Elternzeit.", "Pausiert: arbeitet zurzeit in Vollzeit."]))
            elif roll < 0.35:
                person.status = Participant.Status.LEFT
                person.notes.append(r.choice(["Nach Bremen verzogen.", "In einen anderen Landkreis verzogen."]))
            if person.status != Participant.Status.ACTIVE and r.random() < 0.5:
                wish = self.add_wish(person, r, on=(person.last_end or today) + _days(r.randint(3, 20)))
                wish.status = CourseWish.Status.WITHDRAWN
        for j in range(10):
            level = _weighted(self.rng("new", j), {L.ALPHA: 2, L.PRE_A1: 4, L.A1: 3, L.A2: 2, L.B1: 1})
            person = self.new_person(f"new:{j}", level=level)
            person.registered_on = today - _days(person.r.randint(0, 20))
            if person.r.random() < 0.5:
                person.level = None
                person.notes.append("Einstufungstest ist vereinbart.")

        for person in self.people:
            self.align_with_courses(person)
            self.consents(person)
            self.finish(person)
        return self.people

    def wait(self, person: PersonPlan, course: Course, r: random.Random) -> None:
        after = max(person.last_end or datetime.date.min, self.today - _days(150))  # within the last six months
        span = max(0, (self.today - after).days - 1)
        registered_on = after + _days(1 + r.randint(0, min(span, 120)))
        person.enrollments.append(EnrollmentPlan(course, Enrollment.Status.WAITING, registered_on))
        self.add_wish(person, r, on=registered_on - _days(r.randint(0, 30)), course=course)

    def new_wisher(self, key: str) -> PersonPlan:
        """A person on the district waiting list, drawn where demand is unmet: Alpha, women with childcare, south."""
        r = self.rng("wisher", key)
        level = _weighted(r, {L.ALPHA: 35, L.PRE_A1: 22, L.A1: 16, L.A2: 12, L.B1: 11, L.B2: 4})
        female = True if r.random() < 0.62 else None
        childcare = 0.5 if female else None
        person = self.new_person(key, level=level, female=female, childcare=childcare, wish=True, channel="wish")
        since = self.today - _days(r.randint(0, 182))
        wish = self.add_wish(person, r, on=since)
        if person.residence in (RS.AE_24, RS.GESTATTUNG, RS.EU, RS.AE_25_5) and person.r.random() < 0.5:
            person.notes.append("Wegen des BAMF-Zulassungsstopps (Februar 2026) keine Zulassung möglich.")
        if person.municipality.name in SOUTH and r.random() < 0.4:
            person.notes.append("Vormittags keine passende Busverbindung zum nächsten Kursort.")
        if wish.childcare and r.random() < 0.4:
            person.notes.append("Braucht einen Kurs mit Kinderbetreuung (Kind unter 3 Jahren, kein Krippenplatz).")
        return person

    # -- consents and the person's dates ---------------------------------------------------------------------

    def consents(self, person: PersonPlan) -> None:
        r = self.rng("consent", person.key)
        today = self.today
        by_recipient: dict[int, list[EnrollmentPlan]] = defaultdict(list)
        for plan in person.enrollments:
            if plan.course.provider_id != person.provider.pk:
                by_recipient[plan.course.provider_id].append(plan)
        for plans in by_recipient.values():
            recipient = plans[0].course.provider
            given_on = min(p.registered_on for p in plans) - _days(r.randint(0, 10))
            consent = self.consent(person, r, Consent.Purpose.HANDOVER, recipient, given_on)
            active = any(p.status in (Enrollment.Status.ENROLLED, Enrollment.Status.WAITING) for p in plans)
            if active:
                if r.random() < 0.4:
                    consent.expires_on = max(given_on + _days(730), max(p.course.end_date for p in plans) + _days(60))
            else:
                ended = max(p.ended_on or p.registered_on for p in plans)
                roll = r.random()
                if roll < 0.35 and (today - ended).days > 2:
                    consent.expires_on = ended + _days(r.randint(1, (today - ended).days - 1))
                elif roll < 0.65 and (today - ended).days > 1:
                    consent.revoked_on = ended + _days(r.randint(1, (today - ended).days))
        # Counselling services and volunteer groups hand people on; some change their mind.
        counselling = person.provider.kind not in (Provider.Kind.VHS, Provider.Kind.EDUCATION)
        if person.open_wish and counselling and r.random() < 0.35:
            options = sorted(
                (p for p in self.w.providers.values() if p.kind in (Provider.Kind.VHS, Provider.Kind.EDUCATION)),
                key=lambda p: (self.w.provider_distance(person.municipality, p), p.name),
            )
            recipient = options[0]
            if all(c.recipient != recipient for c in person.consents):
                wish_day = min(w.registered_on for w in person.wishes)
                given_on = wish_day + _days(r.randint(0, max(0, (today - wish_day).days)))
                consent = self.consent(person, r, Consent.Purpose.HANDOVER, recipient, given_on)
                if r.random() < 0.3 and given_on < today:
                    consent.revoked_on = given_on + _days(r.randint(1, (today - given_on).days))
        # Discussed (pseudonymised or not) in the coordination meeting: mostly hard cases.
        urgent = any(w.priority >= CourseWish.Priority.HIGH for w in person.wishes if w.status == "open")
        if person.open_wish and r.random() < (0.4 if urgent else 0.08):
            wish_day = min(w.registered_on for w in person.wishes)
            given_on = wish_day + _days(r.randint(0, max(0, min(30, (today - wish_day).days))))
            consent = self.consent(person, r, Consent.Purpose.MEETING, None, given_on)
            if r.random() < 0.5:
                consent.expires_on = given_on + _days(365)

    def consent(self, person: PersonPlan, r, purpose: str, recipient: Provider | None, given_on) -> ConsentPlan:
        beginner = person.level is None or person.level <= L.A1
        form = _weighted(
            r,
            {Consent.Form.INTERPRETER: 55, Consent.Form.SIGNED: 35, Consent.Form.VERBAL: 10}
            if beginner
            else {Consent.Form.SIGNED: 70, Consent.Form.INTERPRETER: 15, Consent.Form.VERBAL: 15},
        )
        first = person.first_languages.split(",")[0].strip()
        language = EXPLAINED_IN.get(first, person.origin.explained_in)
        if first.startswith("Kurdisch"):
            language = first
        if not beginner and r.random() < 0.6:
            language = "Deutsch"
        consent = ConsentPlan(purpose, recipient, min(given_on, self.today), form, language)
        person.consents.append(consent)
        return consent

    def finish(self, person: PersonPlan) -> None:
        """Registration date, level assessment and last activity from the person's history."""
        r = person.r
        today = self.today
        events = [e.registered_on for e in person.enrollments] + [c.given_on for c in person.consents]
        events += [w.registered_on for w in person.wishes]
        if person.registered_on is None:
            first = min(events) if events else today - _days(r.randint(0, 60))
            person.registered_on = first - _days(r.randint(2, 30))
        if events:
            person.registered_on = min(person.registered_on, *events)
        if person.route == R.BAMF_ADMISSION and person.registered_on >= BAMF_ADMISSION_STOP:
            person.registered_on = BAMF_ADMISSION_STOP - _days(r.randint(5, 150))
            person.notes.append("Zulassung (BAMF) vor dem Zulassungsstopp im Februar 2026 erteilt, gilt weiter.")
        if person.route == R.OBLIGED_JOBCENTER and r.random() < 0.25:
            person.notes.append("Verpflichtung durch das Jobcenter liegt vor.")

        results = [e for e in person.enrollments if e.level_reached is not None and e.ended_on]
        starts = sorted(e.enrolled_on or e.registered_on for e in person.enrollments)
        if person.level is None:
            person.level_assessed_on, person.level_assessed_how = None, ""
        elif results:
            last = max(results, key=lambda e: e.ended_on)
            person.level_assessed_on = last.ended_on
            person.level_assessed_how = Participant.Assessment.CERTIFICATE if last.exam_result else "teacher"
        elif starts:
            person.level_assessed_on = max(person.registered_on, starts[0] - _days(r.randint(3, 20)))
            person.level_assessed_how = Participant.Assessment.PLACEMENT_TEST
        else:
            how = _weighted(r, {"placement": 55, "self": 25, "teacher": 20})
            person.level_assessed_how = how
            person.level_assessed_on = person.registered_on + _days(r.randint(0, 14))
        if person.level_assessed_on is not None:
            person.level_assessed_on = min(person.level_assessed_on, today)

        dates = events + [person.registered_on]
        dates += [d for e in person.enrollments for d in (e.enrolled_on, e.ended_on) if d]
        dates += [d for c in person.consents for d in (c.revoked_on,) if d]
        last = min(max(dates), today)
        person.last_activity_at = min(_aware(last, r.randint(8, 16), r.choice([0, 15, 30, 45])), timezone.now())
        if person.notes or r.random() < 0.15:
            person.notes.extend(self.extra_notes(person, r))

    @staticmethod
    def extra_notes(person: PersonPlan, r: random.Random) -> list[str]:
        pool = [
            "Möchte nach dem Kurs eine Ausbildung in der Pflege beginnen.",
            "Hat im Herkunftsland als Lehrkraft gearbeitet; Anerkennung wird geprüft.",
            "Sucht eine Ausbildung im Handwerk (Elektro).",
            "Kann nur an drei Tagen pro Woche teilnehmen.",
            "Kommt mit dem Fahrrad zum Kursort.",
            "Ruft lieber an als E-Mails zu lesen.",
        ]
        if person.mobility in ("local", "public"):
            pool.append("Kein Führerschein; Kursort muss mit dem Bus erreichbar sein.")
        if person.level is not None and person.level <= L.A1:
            pool.append(f"Für Gespräche Dolmetschen ({person.origin.explained_in}) hilfreich.")
        return [r.choice(pool)] if r.random() < 0.7 else []


# --- Writing -----------------------------------------------------------------------------------------------


def _participant(person: PersonPlan) -> Participant:
    return Participant(
        provider=person.provider,
        code=person.code,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_year=person.birth_year,
        birth_date=person.birth_date,
        gender=person.gender,
        municipality=person.municipality,
        first_languages=person.first_languages,
        literacy=person.literacy,
        level=person.level,
        level_assessed_on=person.level_assessed_on,
        level_assessed_how=person.level_assessed_how,
        route=person.route,
        residence_status=person.residence if person.store_residence else "",
        needs_childcare=person.needs_childcare,
        is_parent=person.is_parent,
        times=person.times,
        mobility=person.mobility,
        notes=" ".join(dict.fromkeys(person.notes)),
        status=person.status,
        last_activity_at=person.last_activity_at,
    )


def _write(people: list[PersonPlan], world: DemoWorld) -> dict[str, int]:
    """Create the planned people that do not exist yet, with their consents, enrollments and wishes."""
    existing = set(Participant.objects.filter(code__in=[p.code for p in people]).values_list("code", flat=True))
    todo = [p for p in people if p.code not in existing]
    if not todo:
        return {"created": 0, "made_waiting": 0}
    participants = [_participant(p) for p in todo]
    Participant.objects.bulk_create(participants, batch_size=BATCH)
    for person, participant in zip(todo, participants, strict=True):
        participant.created_at = _aware(person.registered_on, 9, 0)
    Participant.objects.bulk_update(participants, ["created_at"], batch_size=BATCH)

    consents = []
    for person, participant in zip(todo, participants, strict=True):
        recorders = world.recorders.get(person.provider.pk, [])
        for c in person.consents:
            consents.append(
                Consent(
                    participant=participant,
                    purpose=c.purpose,
                    recipient=c.recipient,
                    given_on=c.given_on,
                    form=c.form,
                    language=c.language,
                    expires_on=c.expires_on,
                    revoked_on=c.revoked_on,
                    recorded_by=recorders[person.r.randrange(len(recorders))] if recorders else None,
                )
            )
    Consent.objects.bulk_create(consents, batch_size=BATCH)
    for consent in consents:
        consent.created_at = _aware(consent.given_on, 11, 0)
    Consent.objects.bulk_update(consents, ["created_at"], batch_size=BATCH)

    # Capacity: count what the database holds already (other people may sit in the demo courses).
    enrolled = Counter(
        dict(
            Enrollment.objects.filter(status=Enrollment.Status.ENROLLED, course__in=world.courses)
            .values_list("course")
            .annotate(n=Count("pk"))
            .values_list("course", "n")
        )
    )
    made_waiting = 0
    enrollments, plans_by_object = [], {}
    for person, participant in zip(todo, participants, strict=True):
        for e in person.enrollments:
            status, enrolled_on = e.status, e.enrolled_on
            if status == Enrollment.Status.ENROLLED:
                if enrolled[e.course.pk] >= e.course.capacity:
                    status, enrolled_on = Enrollment.Status.WAITING, None
                    made_waiting += 1
                else:
                    enrolled[e.course.pk] += 1
            obj = Enrollment(
                participant=participant,
                course=e.course,
                status=status,
                registered_on=e.registered_on,
                enrolled_on=enrolled_on,
                ended_on=e.ended_on,
                level_reached=e.level_reached,
                exam_result=e.exam_result,
            )
            enrollments.append(obj)
            plans_by_object[id(e)] = obj
    Enrollment.objects.bulk_create(enrollments, batch_size=BATCH)
    for obj in enrollments:
        obj.created_at = _aware(obj.registered_on, 10, 0)
    Enrollment.objects.bulk_update(enrollments, ["created_at"], batch_size=BATCH)

    wishes, wish_places = [], []
    for person, participant in zip(todo, participants, strict=True):
        for w in person.wishes:
            wish = CourseWish(
                participant=participant,
                course_types=w.course_types,
                level=w.level,
                max_distance_km=w.max_distance_km,
                times=w.times,
                childcare=w.childcare,
                priority=w.priority,
                registered_on=w.registered_on,
                status=w.status,
                fulfilled_by=plans_by_object.get(id(w.fulfilled_by)) if w.fulfilled_by else None,
            )
            wishes.append(wish)
            wish_places.append(w.municipalities)
    CourseWish.objects.bulk_create(wishes, batch_size=BATCH)
    through = CourseWish.municipalities.through
    through.objects.bulk_create(
        [
            through(coursewish_id=wish.pk, municipality_id=m.pk)
            for wish, places in zip(wishes, wish_places, strict=True)
            for m in places
        ],
        batch_size=BATCH,
    )
    return {"created": len(todo), "made_waiting": made_waiting}


def align_free_places(courses, now: datetime.datetime | None = None) -> int:
    """Free places may not exceed capacity − enrolled: where they do, a report "Demo: Einschreibungen" lowers
    them (dated at the last enrollment, after the course's newest report, so stale courses stay stale)."""
    now = now or timezone.now()
    ids = [c.pk for c in courses]
    counts = dict(
        Enrollment.objects.filter(course_id__in=ids, status=Enrollment.Status.ENROLLED)
        .values_list("course")
        .annotate(n=Count("pk"))
        .values_list("course", "n")
    )
    last_enrolled = dict(
        Enrollment.objects.filter(course_id__in=ids, status=Enrollment.Status.ENROLLED)
        .values_list("course")
        .annotate(day=Max("enrolled_on"))
        .values_list("course", "day")
    )
    written = 0
    for course in Course.objects.filter(pk__in=ids, free_places__isnull=False).order_by("pk"):
        room = max(0, course.capacity - counts.get(course.pk, 0))
        if course.free_places <= room:
            continue
        at = _aware(last_enrolled.get(course.pk) or timezone.localdate(now), 11, 30)
        if course.places_reported_at and at <= course.places_reported_at:
            at = course.places_reported_at + datetime.timedelta(minutes=1)
        at = min(at, now)
        PlaceReport.objects.create(course=course, free_places=room, reported_at=at, note=PLACES_NOTE)
        Course.objects.filter(pk=course.pk).update(free_places=room, places_reported_at=at)
        written += 1
    return written


def seed_participants(rng: random.Random | None = None, *, today: datetime.date | None = None) -> dict[str, Any]:
    """Create the demo participants (idempotent, deterministic for a seeded `rng`). Returns what it did."""
    rng = rng or random.Random(DEMO_SEED)
    seed = rng.getrandbits(64)
    today = today or timezone.localdate()
    world = DemoWorld(today)
    if not world.courses:
        return {"planned": 0, "created": 0, "made_waiting": 0, "place_reports": 0}
    people = Planner(world, seed).plan()
    with disable_auditlog():
        written = _write(people, world)
        reports = align_free_places(world.courses)
    return {"planned": len(people), **written, "place_reports": reports}


def participant_summary() -> str:
    """Lines for seed_demo's summary (whole database, like the other lines there)."""
    people = Participant.objects.all()
    by_status = dict(Enrollment.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    wishes = CourseWish.objects.all()
    open_wishes = wishes.filter(status=CourseWish.Status.OPEN)
    consents = Consent.objects.all()
    enrollment_text = ", ".join(f"{value} {by_status.get(value, 0)}" for value in Enrollment.Status.values)
    return (
        f"  Participants:    {people.count()} (active {people.filter(status=Participant.Status.ACTIVE).count()},"
        f" Alpha {people.filter(level=L.ALPHA).count()}, childcare {people.filter(needs_childcare=True).count()})"
        f"\n  Enrollments:     {sum(by_status.values())} ({enrollment_text})"
        f"\n  Course wishes:   {wishes.count()} (open {open_wishes.count()} in"
        f" {open_wishes.values('participant__municipality').distinct().count()} municipalities)"
        f"\n  Consents:        {consents.count()}"
        f" (handover {consents.filter(purpose=Consent.Purpose.HANDOVER).count()},"
        f" meeting {consents.filter(purpose=Consent.Purpose.MEETING).count()},"
        f" revoked {consents.filter(revoked_on__isnull=False).count()})"
    )


# --- Benchmark volume (seed_scale) -------------------------------------------------------------------------

PARTICIPANTS_PER_PROVIDER = 120  # 25 providers per factor → 3,000 participants per factor


def _scale_person(r: random.Random, today: datetime.date, level: int) -> dict[str, Any]:
    """A simpler fictional person for the benchmark volume: names, year of birth, languages, route."""
    origin = r.choices(ORIGINS, weights=[o.weight * (o.alpha_factor if level == L.ALPHA else 1) for o in ORIGINS])[0]
    gender = G.FEMALE if r.random() < origin.female_share else G.MALE
    last = r.choice(origin.last)
    if isinstance(last, tuple):
        last = last[1] if gender == G.FEMALE else last[0]
    residence = _weighted(r, origin.statuses)
    routes = dict(ROUTES_BY_STATUS.get(residence, {}))
    if r.random() < 0.6:  # most benchmark people registered after the BAMF stop
        routes.pop(R.BAMF_ADMISSION, None)
    route = _weighted(r, routes) if routes else r.choice([R.LAND_COURSE, R.COUNTY_COURSE, R.UNKNOWN])
    if level == L.ALPHA:
        literacy = r.choice([LIT.NO, LIT.PARTLY])
    elif level == L.PRE_A1 and r.random() < origin.other_script:
        literacy = LIT.OTHER_SCRIPT
    else:
        literacy = LIT.YES
    childcare = r.random() < (0.3 if gender == G.FEMALE else 0.06)
    return {
        "first_name": r.choice(origin.first_f if gender == G.FEMALE else origin.first_m),
        "last_name": last,
        "birth_year": min(2007, max(1960, today.year - r.randint(19, 66))),
        "gender": gender,
        "first_languages": _weighted(r, origin.languages),
        "literacy": literacy,
        "level": level,
        "route": route,
        "residence_status": residence if r.random() < 0.6 else "",
        "needs_childcare": childcare,
        "times": [TimeOfDay.MORNING] if childcare else r.choice([["morning"], ["afternoon"], ["morning", "evening"]]),
        "mobility": r.choice(["public", "public", "any", "local", ""]),
    }


def seed_scale_participants(
    entries: list[tuple[int, Provider, list[Course]]],
    municipalities: list[Municipality],
    *,
    seed: int = DEMO_SEED,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, int]:
    """Participants for providers that seed_scale has just created: PARTICIPANTS_PER_PROVIDER each, with a few
    enrollments in the provider's own courses (so no consent is needed), course wishes and some consents.

    `entries` are (provider number, provider, its courses with primary keys). Each provider's people come from
    their own generator. Capacity: a current course gets at most capacity − reported free places enrolled, a
    finished one at most its capacity, so the courses' free places stay consistent without new reports.
    Written with bulk_create only (no signals, so no audit log entries)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    taken = set(Participant.objects.values_list("code", flat=True))
    km = {(a.pk, b.pk): _km(a, b) for a in municipalities for b in municipalities}
    near = {m.pk: [n for n in municipalities if km[m.pk, n.pk] <= NEIGHBOUR_KM] for m in municipalities}
    weights = [m.population * FOREIGN_FACTOR.get(m.name, 1.0) for m in municipalities]
    by_pk = {m.pk: m for m in municipalities}
    all_providers = [provider for _i, provider, _courses in entries]

    participants, plans = [], []
    for i, provider, courses in entries:
        r = random.Random(f"{seed}:scale-participants:{i}")
        courses = sorted(
            (c for c in courses if c.status != Course.Status.CANCELLED), key=lambda c: (c.start_date, c.pk or 0)
        )
        budget = {}
        for c in courses:
            if c.status == Course.Status.FINISHED:
                budget[c.pk] = c.capacity
            elif c.status in (Course.Status.RUNNING, Course.Status.OPEN):
                budget[c.pk] = c.capacity - (c.free_places or 0)
            else:
                budget[c.pk] = 0
        finished = [c for c in courses if c.status == Course.Status.FINISHED and c.course_type != T.SPRACHCAFE]
        current = [c for c in courses if c.status in (Course.Status.RUNNING, Course.Status.OPEN)]
        upcoming = [c for c in courses if c.status in (Course.Status.PLANNED, Course.Status.OPEN)]
        entry = {c.pk: entry_levels(c) for c in courses}
        for _k in range(PARTICIPANTS_PER_PROVIDER):
            enrollments, wishes, consents = [], [], []
            level = _weighted(r, {L.ALPHA: 10, L.PRE_A1: 20, L.A1: 25, L.A2: 22, L.B1: 17, L.B2: 6})
            last_end = None
            if finished and r.random() < 0.6:
                course = r.choice(finished)
                if budget[course.pk] > 0:
                    budget[course.pk] -= 1
                    level = r.choice(entry[course.pk])
                    start = course.start_date
                    e = Enrollment(
                        course_id=course.pk,
                        registered_on=start - _days(r.randint(10, 60)),
                        enrolled_on=start,
                        status=Enrollment.Status.COMPLETED,
                        ended_on=course.end_date,
                    )
                    if r.random() < 0.15:
                        e.status = Enrollment.Status.DROPPED
                        e.ended_on = start + _days(r.randint(0, max(0, (course.end_date - start).days - 1)))
                    elif course.level_to > level and course.course_type != T.SPRACHCAFE:
                        e.level_reached = min(course.level_to, level + r.choice([1, 1, 2]))
                        if course.course_type in IK_EXAM_TYPES:
                            e.exam_result = {L.B1: E.DTZ_B1, L.A2: E.DTZ_A2}.get(e.level_reached, E.DTZ_BELOW)
                        level = e.level_reached
                    enrollments.append(e)
                    last_end = e.ended_on
            has_current = False
            roll = r.random()
            if current and roll < 0.45:
                for course in r.sample(current, min(4, len(current))):
                    if budget[course.pk] <= 0 or (last_end and course.start_date <= last_end):
                        continue
                    if enrollments and level not in entry[course.pk]:
                        continue
                    level = level if enrollments else r.choice(entry[course.pk])
                    budget[course.pk] -= 1
                    enrolled_on = min(course.start_date, today) - _days(r.randint(0, 10))
                    enrollments.append(
                        Enrollment(
                            course_id=course.pk,
                            status=Enrollment.Status.ENROLLED,
                            registered_on=enrolled_on - _days(r.randint(3, 40)),
                            enrolled_on=enrolled_on,
                        )
                    )
                    has_current = True
                    break
            elif upcoming and roll < 0.55:
                course = r.choice(upcoming)
                if last_end is None or course.start_date > last_end:
                    enrollments.append(
                        Enrollment(
                            course_id=course.pk,
                            status=Enrollment.Status.WAITING,
                            registered_on=today - _days(r.randint(0, 90)),
                        )
                    )
            person = _scale_person(r, today, level)
            home = provider.municipality if r.random() < 0.55 else r.choices(municipalities, weights=weights)[0]
            if not has_current and r.random() < 0.35:
                wish_day = today - _days(r.randint(0, 180))
                types = wish_types_for(
                    level,
                    literacy=person["literacy"],
                    female=person["gender"] == G.FEMALE,
                    childcare=person["needs_childcare"],
                    young=today.year - person["birth_year"] <= 26,
                    ik_access=person["residence_status"] not in NO_IK_ACCESS,
                )
                places = [] if r.random() < 0.3 else [by_pk[m.pk] for m in near[home.pk]]
                wishes.append(
                    (
                        CourseWish(
                            course_types=[str(t) for t in types],
                            level=level,
                            max_distance_km=None if places else r.choice([15, 20, 30]),
                            times=person["times"],
                            childcare=person["needs_childcare"],
                            priority=_weighted(r, {1: 70, 2: 22, 3: 8}),
                            registered_on=wish_day,
                        ),
                        places,
                    )
                )
                if r.random() < 0.1:
                    consents.append(
                        Consent(
                            purpose=Consent.Purpose.MEETING,
                            given_on=wish_day,
                            form=Consent.Form.INTERPRETER,
                            language=person["first_languages"].split(",")[0],
                        )
                    )
            if len(all_providers) > 1 and r.random() < 0.05:
                other = r.choice([p for p in all_providers if p.pk != provider.pk])
                given_on = today - _days(r.randint(0, 400))
                revoked = given_on + _days(r.randint(0, (today - given_on).days)) if r.random() < 0.2 else None
                consents.append(
                    Consent(
                        purpose=Consent.Purpose.HANDOVER,
                        recipient=other,
                        given_on=given_on,
                        form=Consent.Form.SIGNED,
                        language="Deutsch",
                        revoked_on=revoked,
                    )
                )
            days = [e.registered_on for e in enrollments] + [w.registered_on for w, _ in wishes]
            days += [c.given_on for c in consents]
            registered = (min(days) if days else today - _days(r.randint(0, 5 * 365))) - _days(r.randint(2, 30))
            last = max([registered] + days + [d for e in enrollments for d in (e.enrolled_on, e.ended_on) if d])
            participants.append(
                Participant(
                    provider=provider,
                    code=_code(r, taken),
                    municipality=home,
                    last_activity_at=min(_aware(min(last, today), 10, 0), now),
                    status=Participant.Status.ACTIVE,
                    level_assessed_on=min(last_end or registered, today),
                    level_assessed_how=Participant.Assessment.CERTIFICATE if last_end else "placement",
                    **person,
                )
            )
            plans.append((registered, enrollments, wishes, consents))

    with disable_auditlog():
        Participant.objects.bulk_create(participants, batch_size=BATCH)
        if any(p.pk is None for p in participants):
            raise RuntimeError("The database backend does not return primary keys from bulk inserts.")
        enrollments, wishes, places, consents = [], [], [], []
        for participant, (registered, e_list, w_list, c_list) in zip(participants, plans, strict=True):
            participant.created_at = _aware(registered, 9, 0)
            for e in e_list:
                e.participant_id = participant.pk
                enrollments.append(e)
            for w, p in w_list:
                w.participant_id = participant.pk
                wishes.append(w)
                places.append(p)
            for c in c_list:
                c.participant_id = participant.pk
                consents.append(c)
        Participant.objects.bulk_update(participants, ["created_at"], batch_size=BATCH)
        Enrollment.objects.bulk_create(enrollments, batch_size=BATCH)
        CourseWish.objects.bulk_create(wishes, batch_size=BATCH)
        through = CourseWish.municipalities.through
        through.objects.bulk_create(
            [
                through(coursewish_id=w.pk, municipality_id=m.pk)
                for w, ms in zip(wishes, places, strict=True)
                for m in ms
            ],
            batch_size=BATCH,
        )
        Consent.objects.bulk_create(consents, batch_size=BATCH)
    return {
        "participants": len(participants),
        "enrollments": len(enrollments),
        "wishes": len(wishes),
        "consents": len(consents),
    }
