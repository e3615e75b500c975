"""The demand page (/bedarf/) under the one small-number rule (diepholz_coord.small_numbers), through HTTP."""

import re

import pytest
from django.urls import reverse

from courses.domain import Level
from participants.models import CourseWish
from tests import factories

# Open wishes by municipality × level; Syke's one A1 wish is the only small number. 85 in all.
DEMAND = {
    "Syke": {Level.ALPHA: 20, Level.A1: 1, Level.A2: 10},
    "Diepholz": {Level.ALPHA: 15, Level.A1: 9, Level.A2: 12},
    "Weyhe": {Level.ALPHA: 8, Level.A1: 6, Level.A2: 4},
}


def wishes(world, demand):
    CourseWish.objects.all().delete()
    for name, by_level in demand.items():
        municipality = factories.MunicipalityFactory(name=name)
        for level, n in by_level.items():
            for _ in range(n):
                person = factories.ParticipantFactory(provider=world.provider_a, municipality=municipality)
                CourseWish.objects.create(participant=person, level=level)


def cells_of(html: str, municipality: str) -> list[str]:
    row = html[html.index(f'<th scope="row">{municipality}</th>') :]
    row = row[: row.index("</tr>")]
    return re.findall(r"<td[^>]*>(?:<strong>)?([^<]*)", row)


def column(level) -> int:
    return [value for value, _label in Level.choices].index(level)


@pytest.mark.django_db
def test_county_staff_see_the_district_total_when_that_is_safe(world, login):
    wishes(world, DEMAND)
    county = login(world.users.county).get(reverse("participants:demand")).content.decode()
    # The issue: "the district total of 85 open wishes" was hidden as soon as one cell was. Now every total shows.
    assert "<strong data-total-demand>85</strong>" in county
    syke, weyhe = cells_of(county, "Syke"), cells_of(county, "Weyhe")
    assert syke[column(Level.A1)] == "&lt;3"
    # The 1 takes the cheapest rectangle with it: Syke's 10 × A2 and Weyhe's 6 × A1 and 4 × A2 (20 in all).
    assert syke[column(Level.A2)] == "–" and weyhe[column(Level.A1)] == "–" and weyhe[column(Level.A2)] == "–"
    assert syke[column(Level.ALPHA)] == "20" and weyhe[column(Level.ALPHA)] == "8"
    assert (syke[-1], cells_of(county, "Diepholz")[-1], weyhe[-1]) == ("31", "36", "18")
    assert cells_of(county, "Diepholz")[: column(Level.A2) + 1] == ["15", "·", "9", "12"]
    assert "a further figure is shown as" in county or "eine weitere Zahl" in county


@pytest.mark.django_db
def test_the_coordinator_sees_every_figure(world, login):
    wishes(world, DEMAND)
    coordinator = login(world.users.coordinator).get(reverse("participants:demand")).content.decode()
    assert "&lt;3" not in coordinator and "–" not in "".join(cells_of(coordinator, "Syke"))
    assert cells_of(coordinator, "Syke")[: column(Level.A2) + 1] == ["20", "·", "1", "10"]
    assert "<strong data-total-demand>85</strong>" in coordinator


@pytest.mark.django_db
def test_demand_page_query_count_does_not_grow(world, client, django_assert_num_queries):
    client.force_login(world.users.county)
    wishes(world, {"Syke": {Level.A1: 1}})
    client.get(reverse("participants:demand"))  # warm the session and the caches
    with django_assert_num_queries(5) as small:
        client.get(reverse("participants:demand"))
    wishes(world, DEMAND)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("participants:demand"))
