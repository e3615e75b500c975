"""The places and report-age cells (``{% places %}``, ``{% report_age %}``) give the markup the included templates
they replaced gave (written out below), in German and English, for every kind of course row."""

import datetime
import itertools

import pytest
from django.template import Context, Template
from django.test.html import parse_html
from django.utils import timezone, translation

from courses.models import Course

# The templates the tags replaced (courses/_places.html and courses/_report_age.html until December 2026).
PLACES = (
    "{% load i18n %}"
    '<span class="fw-bold" data-free-places>{{ course.places_available }}</span>{% if course.free_places is None %}'
    '<span class="small text-body-secondary" title="{% translate \'Nothing reported yet: capacity minus the people '
    "enrolled in the system.' %}\">*</span>{% endif %}{% if course.places_reserved %} "
    '<span class="badge text-bg-info" data-reserved>{% blocktranslate count counter=course.places_reserved %}'
    "{{ counter }} reserved{% plural %}{{ counter }} reserved{% endblocktranslate %}</span>{% endif %}"
)
REPORT_AGE = (
    "{% load i18n course_tags %}{% if course.places_reported_at %}"
    "<span title=\"{{ course.places_reported_at|date:'SHORT_DATETIME_FORMAT' }}\">"
    "{{ course.places_reported_at|days_ago }}</span>{% else %}"
    '<span class="text-body-secondary">{% translate "never reported" %}</span>{% endif %}'
    '{% if course.report_is_stale %} <span class="badge badge-stale">{% translate "stale" %}</span>{% endif %}'
)
TAGS = "{% load course_tags %}"


# A fixed moment for both renderings ("3 days ago", stale or not): late in the evening, so that a day's edge
# is near, whatever the wall clock says.
NOW = datetime.datetime(2026, 3, 2, 23, 59, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def rows():
    now = timezone.now()
    today = timezone.localdate()
    assert now == NOW
    for free, reserved, reported, status, ends in itertools.product(
        [None, 0, 4],
        [0, 1, 3],
        [None, now, now - datetime.timedelta(days=1), now - datetime.timedelta(days=40)],
        [Course.Status.OPEN, Course.Status.FINISHED],
        [today + datetime.timedelta(days=30), today - datetime.timedelta(days=3)],
    ):
        course = Course(
            title="Kurs <A> & B",
            capacity=12,
            free_places=free,
            places_reported_at=reported,
            status=status,
            start_date=today - datetime.timedelta(days=60),
            end_date=ends,
        )
        course.places_available, course.places_reserved, course.places_enrolled = (free or 7), reserved, 5
        yield course


@pytest.mark.parametrize("language", ["de", "en"])
def test_same_markup_as_the_templates_they_replaced(language):
    compared = 0
    with translation.override(language):
        for course in rows():
            context = Context({"course": course})
            for old, tag in ((PLACES, "{% places course %}"), (REPORT_AGE, "{% report_age course %}")):
                expected = Template(old).render(context)
                assert parse_html(Template(TAGS + tag).render(context)) == parse_html(expected), (tag, expected)
                compared += 1
    assert compared == 288
