"""Time to the next course: how long people wait between the end of one course and the start of the next.

Computed from enrollments, not from handovers, so that courses that ended before handovers were recorded count
too. Definitions (the issue leaves them open; these are the ones the district overview shows):

- A *course ending* is one completed enrollment (status "completed") in a course that is not cancelled and whose
  end date lies before today. Dropped enrollments do not count: the person left somewhere in the middle of the
  course, so "days since the course ended" does not describe their wait, and many leave for work or a move.
  Enrollments still "enrolled" after the course's end (completion not yet recorded) do not count either, until
  the provider records the completion. A person who completed two courses counts twice.
- The *next course* after an ending is the same person's course with the earliest start date that starts on or
  after the ended course's end date (the same day counts, with 0 days), is not the ended course, is not cancelled,
  and in which the person actually holds or held a place: enrolled, completed, or dropped after the course had
  started (withdrawing from the waiting list or before the start is no place). A place in a course that has not
  started yet counts: the date is agreed. A course that starts before the ended one ends overlaps it and is never
  the next course.
- *Time to next course* = start date of the next course − end date of the ended course, in days (0 or more).
  Endings without a next course are "no follow-up yet"; they are counted apart and are not part of the median
  (their wait is not known yet).
- *Follow-up within 4 weeks*: the share of endings whose next course starts at most 28 days after the end, among
  the endings whose 28 days are over (end date at least 28 days before today). Endings of the last 28 days are left
  out of the denominator, since their follow-up may still be arranged; counting only those that already have one
  would make the share look better than it is.
- Groups (provider, municipality, course type) are those of the ended course. A median is shown only when at least
  MIN_GROUP_SIZE waits go into it, a share only when at least MIN_GROUP_SIZE endings do: a median of one or two
  is one person's figure.
- Declined and no-show counts come from handovers (all recorded ones) once that model exists, else 0.
- County staff see these counts of people through diepholz_coord.small_numbers (the one rule): the three
  breakdowns (groups × buckets, with each group's endings) are one linked table whose column totals are the
  district's buckets and whose grand total is the district's endings; "within of decided" is a distribution
  of the decided endings. A share is shown only where neither of its parts is hidden.
"""

from __future__ import annotations

import dataclasses
import datetime
import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from courses.domain import CourseType
from courses.models import Course
from diepholz_coord import access
from diepholz_coord.small_numbers import Figure, suppress_distribution, suppress_table
from participants.models import Enrollment

from .models import Handover

MIN_GROUP_SIZE = 3
FOLLOW_UP_DAYS = 28
TOP_GROUPS = 15
# The district overview looks back one year: long enough for many endings, short enough to show today's practice.
OVERVIEW_PERIOD_DAYS = 365


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    low: int | None  # None: no follow-up yet
    high: int | None  # None: open-ended


BUCKETS: tuple[Bucket, ...] = (
    Bucket("0-14", _("0–14 days"), 0, 14),
    Bucket("15-28", _("15–28 days"), 15, 28),
    Bucket("29-56", _("29–56 days"), 29, 56),
    Bucket("57-91", _("57–91 days"), 57, 91),
    Bucket("92+", _("more than 91 days"), 92, None),
    Bucket("none", _("No follow-up yet"), None, None),
)


def bucket_for(gap_days: int | None) -> Bucket:
    for bucket in BUCKETS:
        if gap_days is None:
            if bucket.low is None:
                return bucket
        elif bucket.low is not None and gap_days >= bucket.low and (bucket.high is None or gap_days <= bucket.high):
            return bucket
    raise ValueError(f"no bucket for {gap_days!r}")


@dataclass(frozen=True)
class CourseEnding:
    """One person's completed course and the course that followed: ids and dates only, never a name."""

    participant_id: int
    course_id: int
    end_date: datetime.date
    provider_id: int
    provider_name: str
    municipality_id: int
    municipality_name: str
    course_type: str
    next_course_id: int | None
    gap_days: int | None


@dataclass
class BucketCount:
    key: str
    label: str
    count: int
    percent: int
    shown: Figure | None = None  # what may be shown of the count (set by transition_metrics)


@dataclass
class GroupFigures:
    label: str
    endings: int
    with_follow_up: int
    median_days: float | None  # None when fewer than MIN_GROUP_SIZE waits are known
    decided: int  # endings whose FOLLOW_UP_DAYS are over: the share's denominator
    within: int  # of those, with a next course starting within FOLLOW_UP_DAYS
    within_percent: int | None  # None when fewer than MIN_GROUP_SIZE endings are decided
    buckets: list[BucketCount]
    # What may be shown (diepholz_coord.small_numbers), set by transition_metrics; the buckets' in BucketCount.
    shown_endings: Figure | None = None
    shown_within: Figure | None = None
    shown_decided: Figure | None = None
    share_hidden: bool = False

    @property
    def shown_share(self) -> int | None:
        return None if self.share_hidden else self.within_percent

    @property
    def shown_no_follow_up(self) -> Figure | None:
        return next(b.shown for b in self.buckets if b.key == "none")

    @property
    def no_follow_up(self) -> int:
        return self.endings - self.with_follow_up

    @property
    def large_enough(self) -> bool:
        return self.endings >= MIN_GROUP_SIZE


@dataclass
class ChartBar:
    label: str
    count: int
    percent: int
    y: int
    width: int
    value_x: int
    text_y: int
    colour: str
    shown: Figure | None = None


@dataclass
class Chart:
    """A horizontal bar chart laid out on the server: the template only writes the numbers into SVG."""

    bars: list[ChartBar]
    width: int
    height: int
    label_width: int
    bar_height: int

    @property
    def label_x(self) -> int:
        return self.label_width - 8


@dataclass
class GroupTable:
    caption: str
    name_header: str
    groups: list[GroupFigures]
    left_out: int


@dataclass
class TransitionMetrics:
    today: datetime.date
    since: datetime.date | None
    district: GroupFigures
    by_provider: list[GroupFigures]
    by_municipality: list[GroupFigures]
    by_course_type: list[GroupFigures]
    chart: Chart
    declined: int
    no_show: int
    follow_up_days: int = FOLLOW_UP_DAYS
    min_group_size: int = MIN_GROUP_SIZE
    # County staff: counts below SMALL_NUMBER_LIMIT are hidden, and so is whatever would give them away
    # (diepholz_coord.small_numbers; the chart's percentages and bar lengths too).
    suppress_small: bool = False
    limit: int = 0
    shown_declined: Figure | None = None
    shown_no_show: Figure | None = None
    # How many groups each breakdown has beyond its TOP_GROUPS largest once the lists are cut to what the
    # overview shows (``shown_only``); None while the lists are whole.
    left_out: tuple[int, int, int] | None = None

    def _breakdowns(self) -> tuple[list[GroupFigures], list[GroupFigures], list[GroupFigures]]:
        return (self.by_provider, self.by_municipality, self.by_course_type)

    def _left_out(self) -> tuple[int, int, int]:
        """Groups beyond the TOP_GROUPS largest of each breakdown."""
        if self.left_out is not None:
            return self.left_out
        return tuple(max(0, len(groups) - TOP_GROUPS) for groups in self._breakdowns())

    @property
    def tables(self) -> list[GroupTable]:
        """The three breakdowns as the overview shows them: the TOP_GROUPS largest groups each."""
        return [
            GroupTable(str(caption), str(header), groups[:TOP_GROUPS], more)
            for (caption, header), groups, more in zip(
                (
                    (_("By provider of the ended course"), _("Provider")),
                    (_("By municipality of the ended course"), _("Municipality")),
                    (_("By type of the ended course"), _("Course type")),
                ),
                self._breakdowns(),
                self._left_out(),
                strict=True,
            )
        ]

    def shown_only(self) -> TransitionMetrics:
        """The figures as the overview shows them, each breakdown cut to its TOP_GROUPS largest groups: what the
        cache keeps (all 264 providers' groups took 7 ms to read back from it, on every request)."""
        if self.left_out is not None:
            return self
        return dataclasses.replace(
            self,
            by_provider=self.by_provider[:TOP_GROUPS],
            by_municipality=self.by_municipality[:TOP_GROUPS],
            by_course_type=self.by_course_type[:TOP_GROUPS],
            left_out=self._left_out(),
        )


@dataclass(frozen=True)
class _Place:
    """One enrollment as the figures need it (read as plain values: no model instances)."""

    participant_id: int
    status: str
    enrolled_on: datetime.date | None
    ended_on: datetime.date | None
    course_id: int
    start_date: datetime.date
    end_date: datetime.date
    course_type: str
    provider_id: int
    provider_name: str
    municipality_id: int | None
    municipality_name: str | None


def _held_a_place(place: _Place) -> bool:
    """Enrolled or completed, or dropped out after the course had started (not just off the waiting list)."""
    if place.status in (Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED):
        return True
    return (
        place.status == Enrollment.Status.DROPPED
        and place.enrolled_on is not None
        and (place.ended_on is None or place.ended_on >= place.start_date)
    )


def course_endings(*, today: datetime.date | None = None, since: datetime.date | None = None) -> list[CourseEnding]:
    """Every course ending (see the module docstring) with its next course and the days in between. One query."""
    today = today or timezone.localdate()
    ended = Enrollment.objects.filter(status=Enrollment.Status.COMPLETED, course__end_date__lt=today).exclude(
        course__status=Course.Status.CANCELLED
    )
    if since is not None:
        ended = ended.filter(course__end_date__gte=since)
    # The ended enrollments and every place their people held, in one query, as plain values; the pairing is
    # done below.
    rows = (
        Enrollment.objects.filter(
            participant_id__in=ended.values("participant_id"),
            status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED, Enrollment.Status.DROPPED],
        )
        .exclude(course__status=Course.Status.CANCELLED)
        .order_by("participant_id", "course__start_date", "course_id", "pk")
        .values_list(
            "participant_id",
            "status",
            "enrolled_on",
            "ended_on",
            "course_id",
            "course__start_date",
            "course__end_date",
            "course__course_type",
            "course__provider_id",
            "course__provider__name",
            "course__municipality_id",
            "course__municipality__name",
        )
    )
    places: dict[int, list[_Place]] = defaultdict(list)
    for row in rows:
        place = _Place(*row)
        if _held_a_place(place):
            places[place.participant_id].append(place)

    endings = []
    for participant_id, held in places.items():
        seen_courses: set[int] = set()
        for place in held:
            if (
                place.status != Enrollment.Status.COMPLETED
                or place.end_date >= today
                or (since is not None and place.end_date < since)
                or place.course_id in seen_courses
            ):
                continue
            seen_courses.add(place.course_id)
            # `held` is sorted by start date, so the first match is the earliest next course.
            following = next(
                (p for p in held if p.course_id != place.course_id and p.start_date >= place.end_date),
                None,
            )
            endings.append(
                CourseEnding(
                    participant_id=participant_id,
                    course_id=place.course_id,
                    end_date=place.end_date,
                    provider_id=place.provider_id,
                    provider_name=place.provider_name,
                    municipality_id=place.municipality_id,
                    municipality_name=place.municipality_name,
                    course_type=place.course_type,
                    next_course_id=following.course_id if following else None,
                    gap_days=(following.start_date - place.end_date).days if following else None,
                )
            )
    return endings


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def group_figures(label: str, endings: list[CourseEnding], *, today: datetime.date) -> GroupFigures:
    gaps = [e.gap_days for e in endings if e.gap_days is not None]
    last_open_end = today - datetime.timedelta(days=FOLLOW_UP_DAYS)
    decided = [e for e in endings if e.end_date <= last_open_end]
    within = sum(1 for e in decided if e.gap_days is not None and e.gap_days <= FOLLOW_UP_DAYS)
    counts: dict[str, int] = defaultdict(int)
    for ending in endings:
        counts[bucket_for(ending.gap_days).key] += 1
    return GroupFigures(
        label=label,
        endings=len(endings),
        with_follow_up=len(gaps),
        median_days=statistics.median(gaps) if len(gaps) >= MIN_GROUP_SIZE else None,
        decided=len(decided),
        within=within,
        within_percent=_percent(within, len(decided)) if len(decided) >= MIN_GROUP_SIZE else None,
        buckets=[
            BucketCount(
                key=b.key,
                label=str(b.label),
                count=counts[b.key],
                percent=_percent(counts[b.key], len(endings)),
            )
            for b in BUCKETS
        ],
    )


def _grouped(
    endings: Iterable[CourseEnding], key: Callable[[CourseEnding], object], label: Callable[[CourseEnding], str], today
) -> list[GroupFigures]:
    groups: dict[object, list[CourseEnding]] = defaultdict(list)
    labels: dict[object, str] = {}
    for ending in endings:
        group = key(ending)
        groups[group].append(ending)
        if group not in labels:  # one label per group (a translated name is looked up once)
            labels[group] = label(ending)
    figures = [group_figures(labels[k], members, today=today) for k, members in groups.items()]
    # The largest groups first: that is where a median means most.
    return sorted(figures, key=lambda g: (-g.endings, g.label.casefold()))


def _course_type_label(code: str) -> str:
    try:
        return str(CourseType(code).label)
    except ValueError:
        return code


CHART_WIDTH = 640
CHART_LABEL_WIDTH = 170
CHART_VALUE_ROOM = 90
CHART_ROW = 30
CHART_BAR = 20
CHART_PAD = 6
# Within four weeks dark, later lighter, none grey: tells apart in colour and in black-and-white print.
CHART_COLOURS = {"0-14": "#0a58ca", "15-28": "#0a58ca", "none": "#adb5bd"}
CHART_COLOUR_LATE = "#6ea8fe"


def distribution_chart(buckets: list[BucketCount]) -> Chart:
    largest = max((b.count for b in buckets), default=0)
    room = CHART_WIDTH - CHART_LABEL_WIDTH - CHART_VALUE_ROOM
    bars = []
    for row, bucket in enumerate(buckets):
        # A bucket with someone in it stays visible next to a much larger one.
        width = max(2, round(room * bucket.count / largest)) if bucket.count else 0
        y = CHART_PAD + row * CHART_ROW
        bars.append(
            ChartBar(
                label=bucket.label,
                count=bucket.count,
                percent=bucket.percent,
                y=y,
                width=width,
                value_x=CHART_LABEL_WIDTH + width + 6,
                text_y=y + CHART_BAR - 5,
                colour=CHART_COLOURS.get(bucket.key, CHART_COLOUR_LATE),
            )
        )
    return Chart(
        bars=bars,
        width=CHART_WIDTH,
        height=2 * CHART_PAD + len(buckets) * CHART_ROW,
        label_width=CHART_LABEL_WIDTH,
        bar_height=CHART_BAR,
    )


def _handover_counts() -> tuple[int, int]:
    """(declined, no-show) handovers in the whole district. One query."""
    counts = Handover.objects.aggregate(
        declined=Count("pk", filter=Q(status=Handover.Status.DECLINED)),
        no_show=Count("pk", filter=Q(status=Handover.Status.NO_SHOW)),
    )
    return counts["declined"] or 0, counts["no_show"] or 0


def _hide_small_numbers(metrics: TransitionMetrics, *, suppress: bool) -> None:
    """Decide what may be shown of every count of people (everything, when `suppress` is false)."""
    district = metrics.district
    breakdowns = [metrics.by_provider, metrics.by_municipality, metrics.by_course_type]
    groups = [group for breakdown in breakdowns for group in breakdown]
    if groups:
        table = suppress_table(
            [[bucket.count for bucket in group.buckets] for group in groups],
            blocks=[len(breakdown) for breakdown in breakdowns],
            suppress=suppress,
        )
        for group, cells, endings in zip(groups, table.cells, table.row_totals or [], strict=True):
            for bucket, figure in zip(group.buckets, cells, strict=True):
                bucket.shown = figure
            group.shown_endings = endings
        district_buckets, district.shown_endings = table.column_totals or [], table.total
    else:
        empty = suppress_distribution([b.count for b in district.buckets], suppress=suppress)
        district_buckets, district.shown_endings = empty.cells, empty.total
    for bucket, figure in zip(district.buckets, district_buckets, strict=True):
        bucket.shown = figure
    for group in [district, *groups]:
        share = suppress_distribution([group.within, group.decided - group.within], suppress=suppress)
        group.shown_within, group.shown_decided = share.cells[0], share.total
        group.share_hidden = any(f.hidden for f in share.cells)
    for bar, figure in zip(metrics.chart.bars, district_buckets, strict=True):
        bar.shown = figure
        if figure.hidden:
            bar.width = 2  # a bar's length would tell the hidden number
            bar.value_x = metrics.chart.label_width + 8
    handovers = suppress_distribution([metrics.declined, metrics.no_show], total=False, suppress=suppress)
    metrics.shown_declined, metrics.shown_no_show = handovers.cells
    metrics.suppress_small = suppress
    metrics.limit = settings.SMALL_NUMBER_LIMIT


def transition_metrics(
    *, today: datetime.date | None = None, since: datetime.date | None = None, suppress_small: bool = False
) -> TransitionMetrics:
    """Time-to-next-course figures for course endings before `today` (and from `since` on). Two queries.

    `suppress_small`: small numbers hidden as for county staff (diepholz_coord.small_numbers)."""
    today = today or timezone.localdate()
    endings = course_endings(today=today, since=since)
    district = group_figures(str(_("District")), endings, today=today)
    declined, no_show = _handover_counts()
    metrics = TransitionMetrics(
        today=today,
        since=since,
        district=district,
        by_provider=_grouped(endings, lambda e: e.provider_id, lambda e: e.provider_name, today),
        by_municipality=_grouped(endings, lambda e: e.municipality_id, lambda e: e.municipality_name, today),
        by_course_type=_grouped(endings, lambda e: e.course_type, lambda e: _course_type_label(e.course_type), today),
        chart=distribution_chart(district.buckets),
        declined=declined,
        no_show=no_show,
    )
    _hide_small_numbers(metrics, suppress=suppress_small)
    return metrics


# The overview's figures are kept in Django's cache (shared by all web processes: Redis in production, files under
# VAR_DIR otherwise) until a course, an enrollment or a handover is saved or deleted (figures_changed, connected in
# transitions.apps), and METRICS_CACHE_SECONDS at most. The key holds the day, the period, who reads (county staff
# see small numbers hidden) and the language (labels are words).
METRICS_CACHE_SECONDS = 600
_VERSION_KEY = "transition-metrics:version"


def _data_version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(_VERSION_KEY)
    return version


def figures_changed(**_kwargs) -> None:
    """A write that can change the figures: the cached ones are not used again. At once (the writing process
    sees its own change) and again after the commit (a reader that computed from the data before the commit
    must not keep its result)."""
    from django.db import transaction

    cache.set(_VERSION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(_VERSION_KEY, uuid.uuid4().hex, None))


def district_transition_metrics(*, user, today: datetime.date | None = None) -> TransitionMetrics:
    """The figures for the district overview: coordinator and county staff only, the last OVERVIEW_PERIOD_DAYS."""
    if not access.sees_whole_district(user):
        raise PermissionDenied
    today = today or timezone.localdate()
    suppress = access.role_of(user) == access.Role.COUNTY_STAFF
    key = f"transition-metrics:{_data_version()}:{today.isoformat()}:{int(suppress)}:{translation.get_language()}"
    metrics = cache.get(key)
    if metrics is None:
        metrics = transition_metrics(
            today=today, since=today - datetime.timedelta(days=OVERVIEW_PERIOD_DAYS), suppress_small=suppress
        ).shown_only()
        cache.set(key, metrics, METRICS_CACHE_SECONDS)
    return metrics
