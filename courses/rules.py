"""The rules no stored course may break: one validator for the course form, the admin and the services.

The database constraints repeat the hard ones; this module says in words what to do.
"""

from __future__ import annotations

import copy

from django.utils.translation import gettext as _

from .models import Course
from .places import current_places

# Courses of the county's programme exist since 2015; a year outside this range is a typing error.
FIRST_YEAR = 2015
LAST_YEAR = 2099


def course_rule_errors(course: Course) -> dict[str, list[str]]:
    """Field name → messages for a course as it would be saved (unsaved, or a stored one with changed values)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    provider = course.provider if course.provider_id else None
    venue = course.venue if course.venue_id else None
    if venue is not None and provider is not None and venue.provider_id != provider.pk:
        add("venue", _("This venue belongs to another provider. Choose one of %(provider)s.") % {"provider": provider})
    if venue is None and not course.municipality_id:
        add("municipality", _("Choose a venue, or the municipality of an online course."))
    for name in ("start_date", "end_date"):
        day = getattr(course, name)
        if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
            years = {"first": FIRST_YEAR, "last": LAST_YEAR}
            add(name, _("Please enter a date between %(first)s and %(last)s.") % years)
    if course.start_date and course.end_date and course.end_date < course.start_date:
        add("end_date", _("The end date must not be before the start date."))
    if course.level_from is not None and course.level_to is not None and course.level_to < course.level_from:
        add("level_to", _("The target level must not be below the entry level."))
    if course.age_min is not None and course.age_max is not None and course.age_max < course.age_min:
        add("age_max", _("The maximum age must not be below the minimum age."))
    if bool(course.time_from) != bool(course.time_to):
        add("time_to" if course.time_from else "time_from", _("Please enter both times, or neither."))
    elif course.time_from and course.time_to and course.time_to <= course.time_from:
        add("time_to", _("The end time must be after the start time."))
    capacity = course.capacity
    if capacity is None:
        return errors
    if capacity < 1:
        add("capacity", _("The capacity must be at least 1."))
    if course.min_size is not None and course.min_size > capacity:
        add("min_size", _("The minimum size must not exceed the capacity."))
    if course.pk:
        places = current_places(course.pk)
        taken = places.enrolled + places.reserved
        if capacity < taken:
            if places.reserved:
                add(
                    "capacity",
                    _(
                        "%(enrolled)s people are enrolled in this course and %(reserved)s places are reserved for "
                        "accepted handovers; the capacity cannot be lower than %(taken)s."
                    )
                    % {"enrolled": places.enrolled, "reserved": places.reserved, "taken": taken},
                )
            else:
                add(
                    "capacity",
                    _("%(enrolled)s people are enrolled in this course; the capacity cannot be lower than that.")
                    % {"enrolled": places.enrolled},
                )
        elif places.reported is not None and places.reported > capacity - places.enrolled:
            add(
                "capacity",
                _(
                    "%(free)s free places are reported for this course. Report fewer free places before lowering "
                    "the capacity below that."
                )
                % {"free": places.reported},
            )
    return errors


def course_as_saved(instance: Course, data: dict) -> Course:
    """A copy of the course with a form's cleaned values applied: what the validator checks before saving."""
    candidate = copy.copy(instance)
    fields = {f.name for f in Course._meta.concrete_fields}
    for key, value in data.items():
        if key in fields:
            setattr(candidate, key, value)
    return candidate
