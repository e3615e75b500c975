"""Reading the places a course can still give. The rule itself is one queryset method,
``CourseQuerySet.with_places``; this module only reads its annotations, so pages, matching, the agenda and the
services all show and check the same number.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Course


@dataclass(frozen=True)
class Places:
    capacity: int
    enrolled: int  # people enrolled through the participant records
    reported: int | None  # the newest free-places report (None: nothing reported yet)
    reserved: int  # places held for accepted handovers
    available: int  # what the course can still give: the figure everybody sees

    @property
    def estimated(self) -> bool:
        """Nothing reported yet: the figure is capacity minus enrolled, not confirmed by the provider."""
        return self.reported is None

    @property
    def room(self) -> int:
        """Seats not taken by enrolled people (the most a report can say)."""
        return max(self.capacity - self.enrolled, 0)


def _places(course: Course) -> Places:
    return Places(
        capacity=course.capacity,
        enrolled=course.places_enrolled,
        reported=course.free_places,
        reserved=course.places_reserved,
        available=course.places_available,
    )


def places_of(course: Course) -> Places:
    """The places of a course loaded through ``with_places`` (no query); a stored course without the
    annotations costs one query. For checks before a write use ``current_places`` under the course's lock."""
    if hasattr(course, "places_available"):
        return _places(course)
    if course.pk is None:
        raise ValueError("An unsaved course has no places yet; load courses through Course.objects.with_places().")
    return current_places(course.pk)


def current_places(course_id: int, today: datetime.date | None = None) -> Places:
    """The places of a course as stored now (one query). Services call it after locking the course row."""
    return _places(Course.objects.with_places(today).get(pk=course_id))


def require_room(course: Course, today: datetime.date | None = None) -> Places:
    """The course's current places; a German/English message naming the course when it has none left."""
    places = current_places(course.pk, today)
    if places.available <= 0:
        if places.reserved and places.room > 0:
            message = _(
                "“%(title)s” has no free place any more: the remaining places are reserved for accepted "
                "handovers. Put the person on its waiting list or choose another course."
            )
        else:
            message = _(
                "“%(title)s” has no free place any more. Put the person on its waiting list or choose another course."
            )
        raise ValidationError(message % {"title": course.title}, code="no_room")
    return places
