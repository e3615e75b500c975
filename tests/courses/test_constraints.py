"""What must never be stored is refused by the database itself, whatever code path writes it."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from courses.models import Course, PlaceReport


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"end_date": datetime.date(2000, 1, 1)},
        {"level_from": 5, "level_to": 2},
        {"capacity": 0},
        {"min_size": 99},
        {"free_places": 21},
        {"time_from": datetime.time(12, 0), "time_to": datetime.time(9, 0)},
    ],
    ids=[
        "end-before-start",
        "level-backwards",
        "no-capacity",
        "min-size-above-capacity",
        "free-above-capacity",
        "times-reversed",
    ],
)
def test_course_constraints(world, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=world.course_a.pk).update(**changes)


@pytest.mark.django_db
def test_negative_free_places_are_refused_by_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlaceReport.objects.create(course=world.course_a, free_places=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=world.course_a.pk).update(free_places=-1)
