"""Every URL pattern × every role: who gets 200, 403 (own provider, wrong role), 404 (another provider's
object) or the login page. A second test fails when a URL pattern is missing from the matrix."""

import importlib
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from participants.models import Enrollment

from . import factories, figures

ROLES = ["anonymous", "coordinator", "county", "a_admin", "a_staff", "b_admin"]
LOGIN = "login"

# URL name → (method, args builder, expected per role in ROLES order). Objects are provider A's.
MATRIX = {
    "home": ("get", lambda w: [], [LOGIN, 200, 200, 200, 200, 200]),
    "healthz": ("get", lambda w: [], [200, 200, 200, 200, 200, 200]),
    "login": ("get", lambda w: [], [200, 302, 302, 302, 302, 302]),
    "logout": ("post", lambda w: [], [302, 302, 302, 302, 302, 302]),
    "password_change": ("get", lambda w: [], [LOGIN, 200, 200, 200, 200, 200]),
    "password_change_done": ("get", lambda w: [], [LOGIN, 200, 200, 200, 200, 200]),
    "set_language": ("post", lambda w: [], [302, 302, 302, 302, 302, 302]),
    "courses:course_list": ("get", lambda w: [], [LOGIN, 200, 200, 200, 200, 200]),
    "courses:course_create": ("get", lambda w: [], [LOGIN, 200, 403, 200, 403, 200]),
    # A course's public facts are readable district-wide (DESIGN "Access rules"); its edit pages are not.
    "courses:course_detail": ("get", lambda w: [w.course_a.pk], [LOGIN, 200, 200, 200, 200, 200]),
    "courses:course_update": ("get", lambda w: [w.course_a.pk], [LOGIN, 200, 403, 200, 403, 404]),
    "courses:course_cancel": ("get", lambda w: [w.course_a.pk], [LOGIN, 200, 403, 200, 403, 404]),
    "courses:course_report_places": ("get", lambda w: [w.course_a.pk], [LOGIN, 200, 403, 200, 200, 404]),
    "courses:district_overview": ("get", lambda w: [], [LOGIN, 200, 200, 403, 403, 403]),
    "courses:provider_list": ("get", lambda w: [], [LOGIN, 200, 200, 403, 403, 403]),
    "courses:provider_create": ("get", lambda w: [], [LOGIN, 200, 403, 403, 403, 403]),
    "courses:provider_detail": ("get", lambda w: [w.provider_a.pk], [LOGIN, 200, 200, 200, 200, 404]),
    "courses:provider_update": ("get", lambda w: [w.provider_a.pk], [LOGIN, 200, 403, 403, 403, 404]),
    "courses:staff_create": ("get", lambda w: [w.provider_a.pk], [LOGIN, 200, 403, 200, 403, 404]),
    "courses:membership_remove": (
        "post",
        lambda w: [w.provider_a.pk, w.membership_a_staff.pk],
        [LOGIN, 302, 403, 302, 403, 404],
    ),
    "courses:venue_create": ("get", lambda w: [w.provider_a.pk], [LOGIN, 200, 403, 200, 403, 404]),
    "courses:venue_update": ("get", lambda w: [w.venue_a.pk], [LOGIN, 200, 403, 200, 403, 404]),
}

# Further URLs are listed in files tests/access_matrix_*.py beside this one (same format: MATRIX and
# optionally POST_MATRIX), merged here.
_EXTRA = [
    importlib.import_module(f"tests.{path.stem}") for path in sorted(Path(__file__).parent.glob("access_matrix_*.py"))
]
for _module in _EXTRA:
    MATRIX.update(_module.MATRIX)

# Django's admin has its own access rules (is_staff); checked separately below.
EXCLUDED_NAMESPACES = {"admin"}


def _all_url_names(patterns=None, namespace=None):
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            if ns in EXCLUDED_NAMESPACES:
                continue
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else ns
            names |= _all_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name; name it and add it to the matrix"
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_url_pattern_is_in_the_matrix():
    names = _all_url_names()
    missing = names - set(MATRIX)
    stale = set(MATRIX) - names
    assert not missing, f"URL patterns missing from the access matrix: {sorted(missing)}"
    assert not stale, f"Matrix entries for URL patterns that no longer exist: {sorted(stale)}"


CASES = [(name, role) for name in MATRIX for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_access(world, client, name, role):
    method, args, expectations = MATRIX[name]
    expected = expectations[ROLES.index(role)]
    if role != "anonymous":
        client.force_login(getattr(world.users, role))
    url = reverse(name, args=args(world))
    response = getattr(client, method)(url)
    if expected == LOGIN:
        assert response.status_code == 302, f"{url} as {role}: {response.status_code}"
        assert response.url.startswith(reverse("login")), f"{url} as {role} → {response.url}"
    else:
        assert response.status_code == expected, f"{url} as {role}: {response.status_code}, expected {expected}"
        if expected == 302 and role != "anonymous" and name != "logout":
            assert not response.url.startswith(reverse("login")), f"{url} as {role} was sent to the login page"
    figures.count("matrix requests")
    if expected in (403, 404, LOGIN):
        figures.count("matrix requests refused")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_admin_only_for_staff(world, client, role):
    if role != "anonymous":
        user = getattr(world.users, role)
        client.force_login(user)
    response = client.get(reverse("admin:index"))
    # None of the test roles is is_staff: the admin sends them to its own login page.
    assert response.status_code == 302
    assert "/admin/login/" in response.url


@pytest.mark.django_db
def test_a_foreign_course_page_shows_no_participant_data(world, client):
    """Provider B reads provider A's course page: its public facts, but none of the people in it — checked
    against every participant in the database (names, pseudonym codes, notes)."""
    from participants.models import Participant

    world.participant_a.notes = "Braucht Abendtermine wegen Schichtarbeit"
    world.participant_a.save()
    waiting = factories.ParticipantFactory(provider=world.provider_a, first_name="Yusuf", last_name="Wartend")
    Enrollment.objects.create(participant=waiting, course=world.course_a, status="waiting")
    client.force_login(world.users.b_admin)
    response = client.get(reverse("courses:course_detail", args=[world.course_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.course_a.title in html and world.provider_a.name in html
    people = list(Participant.objects.all())
    assert len(people) >= 2
    for person in people:
        for value in (person.first_name, person.last_name, person.code, person.notes):
            assert not value or value not in html, f"{value!r} of {person.code} on a foreign course page"


@pytest.mark.django_db
def test_other_providers_course_cannot_be_changed_by_post(world, client):
    """POSTs are scoped like GETs: provider B's admin cannot touch provider A's course."""
    client.force_login(world.users.b_admin)
    course = world.course_a
    for name, data in [
        ("courses:course_report_places", {"free_places": 3}),
        ("courses:course_update", {"title": "x"}),
        ("courses:course_cancel", {"reason": "x"}),
    ]:
        assert client.post(reverse(name, args=[course.pk]), data).status_code == 404
    course.refresh_from_db()
    assert course.free_places is None and course.status == "open" and course.title == "Kurs A"


# Write endpoints answer an (empty, invalid) POST by role the same way: the access check comes before the form.
# Allowed roles get the form's 400/422 back; everybody else 403/404/login, and nothing changes.
POST_MATRIX = {
    "courses:course_create": [LOGIN, 400, 403, 400, 403, 400],
    "courses:course_update": [LOGIN, 400, 403, 400, 403, 404],
    "courses:course_cancel": [LOGIN, 400, 403, 400, 403, 404],
    "courses:course_report_places": [LOGIN, 422, 403, 422, 422, 404],
    "courses:provider_create": [LOGIN, 400, 403, 403, 403, 403],
    "courses:provider_update": [LOGIN, 400, 403, 403, 403, 404],
    "courses:staff_create": [LOGIN, 400, 403, 400, 403, 404],
    "courses:venue_create": [LOGIN, 400, 403, 400, 403, 404],
    "courses:venue_update": [LOGIN, 400, 403, 400, 403, 404],
}
for _module in _EXTRA:
    POST_MATRIX.update(getattr(_module, "POST_MATRIX", {}))
POST_CASES = [(name, role) for name in POST_MATRIX for role in ROLES]


# Every model of the project's apps, the users and groups, the admin history and both audit logs: a model added
# later is covered without touching this test. Sessions and login lockouts are bookkeeping of the request itself.
SNAPSHOT_APPS = (
    "diepholz_coord",
    "courses",
    "participants",
    "transitions",
    "meetings",
    "register",
    "developments",
    "auditlog",
)
SNAPSHOT_MODELS = ("auth.user", "auth.group", "admin.logentry")


def _snapshot_models():
    from django.apps import apps

    models = [apps.get_model(label) for label in SNAPSHOT_MODELS]
    for label in SNAPSHOT_APPS:
        models.extend(apps.get_app_config(label).get_models())
    return models


def _state():
    """Every row of every snapshot model; the last_login of users is left out (logging in sets it)."""
    state = {}
    for model in _snapshot_models():
        rows = list(model._base_manager.order_by("pk").values())
        if model._meta.label_lower == "auth.user":
            for row in rows:
                row.pop("last_login")
        state[model._meta.label_lower] = rows
    return state


def test_the_snapshot_covers_every_model_of_the_project():
    from django.apps import apps

    covered = {model._meta.label_lower for model in _snapshot_models()}
    project = {
        model._meta.label_lower
        for config in apps.get_app_configs()
        if config.path.startswith(str(Path(__file__).resolve().parent.parent)) and ".venv" not in config.path
        for model in config.get_models()
    }
    assert project, "no project apps found"
    assert project <= covered, f"models missing from the snapshot: {sorted(project - covered)}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), POST_CASES, ids=[f"post-{n}-{r}" for n, r in POST_CASES])
def test_post_access(world, client, name, role):
    expected = POST_MATRIX[name][ROLES.index(role)]
    if role != "anonymous":
        client.force_login(getattr(world.users, role))
    url = reverse(name, args=MATRIX[name][1](world))  # may create the object it needs
    before = _state()
    response = client.post(url, {})
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected, f"POST {url} as {role}: {response.status_code}, expected {expected}"
    if expected == 302:
        # An allowed role's empty submission that is valid (a checklist with nothing ticked) may change its object.
        return
    after = _state()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"POST {url} as {role} changed {changed}"
    figures.count("refused POSTs with nothing changed")


def test_post_matrix_names_exist():
    assert set(POST_MATRIX) <= set(MATRIX)


@pytest.mark.django_db
def test_in_the_demo_district_foreign_course_pages_show_no_seeded_person(client):
    """Lernhaus reads every other provider's course page (200) without a single seeded person on it: no name, no
    pseudonym code. Its edit pages stay 404."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from courses.models import Course
    from participants.models import Participant

    call_command("seed_demo", verbosity=0)
    lernhaus = get_user_model().objects.get(username="lernhaus")
    client.force_login(lernhaus)
    people = list(Participant.objects.values_list("first_name", "last_name", "code"))
    assert len(people) > 300
    foreign = Course.objects.exclude(provider__memberships__user=lernhaus)
    assert foreign.count() > 40
    for course in foreign:
        response = client.get(reverse("courses:course_detail", args=[course.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        for first, last, code in people:
            assert f"{first} {last}" not in html and code not in html, (course.title, code)
        assert client.get(reverse("courses:course_update", args=[course.pk])).status_code == 404


# A logged-in user with no role (no group, no membership: e.g. a provider's login whose provider was deactivated)
# sees and changes nothing. Everything not listed here answers 403 or 404.
NO_ROLE = {
    "home": 403,
    "healthz": 200,
    "login": 302,
    "logout": 302,
    "password_change": 200,
    "password_change_done": 200,
    "set_language": 302,
    # The two-factor login concerns only the user's own account (tests/access_matrix_otp.py).
    "two_factor_verify": 302,
    "two_factor_setup": 200,
    "two_factor_recovery_codes": 302,
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_a_user_without_a_role_gets_nothing(world, client, name):
    user = factories.UserFactory(username="ohne-rolle")
    client.force_login(user)
    method, args, _expectations = MATRIX[name]
    url = reverse(name, args=args(world))
    before = _state()
    response = getattr(client, method)(url)
    expected = NO_ROLE.get(name)
    if expected is None and name == "meetings:ical_feed":
        expected = MATRIX[name][2][ROLES.index("anonymous")]  # the token is the key, not the login
    if expected is None:
        assert response.status_code in (403, 404), f"{url} without a role: {response.status_code}"
    else:
        assert response.status_code == expected, f"{url} without a role: {response.status_code}"
    if name in POST_MATRIX:
        response = client.post(url, {})
        assert response.status_code in (403, 404), f"POST {url} without a role: {response.status_code}"
    after = _state()
    assert [label for label in before if before[label] != after[label]] == []
    figures.count("requests without a role, nothing shown or changed", 2 if name in POST_MATRIX else 1)
