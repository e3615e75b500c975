"""Role fixtures (two providers, a user per role) and strict-test guards."""

import logging
from types import SimpleNamespace

import pytest

from courses.models import Membership

from . import factories, figures
from .required import services_required


def pytest_sessionfinish(session, exitstatus):
    """In CI (SERVICES_REQUIRED) a skipped test fails the run: every test has what it needs there. The figures
    are written once: by the only process, or by pytest-xdist's controller with its workers' counts."""
    if hasattr(session.config, "workeroutput"):  # a pytest-xdist worker: the controller reports
        figures.send(session.config)
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    figures.write(reporter)
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if services_required() and skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter.ensure_newline()
        reporter.write_line(f"SERVICES_REQUIRED is set and {len(skipped)} test(s) skipped; CI skips none:", red=True)
        for report in skipped:
            reporter.write_line(f"  {report.nodeid}: {report.longrepr[-1] if report.longrepr else ''}", red=True)


# The longest test files (minutes each) start first, so that a parallel run (pytest-xdist, a file in one process)
# does not end with one process working through one of them alone.
LONGEST_FIRST = ("test_fuzz.py", "courses/test_query_counts.py", "e2e/test_csp.py", "test_make_run.py")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        path = item.path.as_posix()
        return next((n for n, name in enumerate(LONGEST_FIRST) if path.endswith(f"/tests/{name}")), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: the order inside a file and among the others stays


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist's controller: a worker has finished and sent its figures."""
    figures.receive(getattr(node, "workeroutput", {}))


@pytest.fixture(autouse=True)
def _fail_on_error_logs(request, caplog):
    """A test fails when anything logs an ERROR (e.g. a 500 in a view), unless it expects one."""
    yield
    if request.node.get_closest_marker("expected_error_log"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors:
        pytest.fail("ERROR logged: " + "; ".join(r.getMessage() for r in errors))


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    settings.LANGUAGE_CODE = "de"
    # Hashing with the production hasher costs ~0.2 s per user: too slow for hundreds of test users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests log in with force_login as every role; the two-factor tests switch it on (tests/test_two_factor.py).
    settings.TWO_FACTOR_REQUIRED = False
    # A session is saved again only a day after its last save, not after 5 minutes: a query count must not depend
    # on how long a test ran (the refresh itself is tested in tests/test_security_headers.py).
    settings.SESSION_REFRESH_SECONDS = 24 * 3600
    # Stored files (PDFs, uploads) go to a folder of this test process, not the checkout's var/media, and are
    # not shared with the other processes of a parallel run.
    settings.MEDIA_ROOT = str(_media_root(tmp_path_factory))
    # The cache of this test process only (CI's Redis is shared by the parallel processes), emptied per test.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _media_root(tmp_path_factory):
    global _MEDIA_ROOT
    if _MEDIA_ROOT is None:
        _MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return _MEDIA_ROOT


_MEDIA_ROOT = None


@pytest.fixture(autouse=True)
def _fresh_process_state(_test_settings):
    """What a process remembers between requests starts empty in every test: the /healthz result cache
    (a result cached by one test would answer the next), the database-outage log and Django's cache (the
    test process's own, see _test_settings)."""
    from django.core.cache import cache

    from diepholz_coord import middleware_outage, views

    views.health_cache.clear()
    middleware_outage.outage_log = middleware_outage.OutageLog()
    cache.clear()
    yield
    views.health_cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _celery_tasks_registered():
    """Every app's tasks registered, as a worker has them at start: services enqueue by task name, and only a
    registered task runs eagerly (an unknown name would go to the broker)."""
    from diepholz_coord.celery import app

    app.autodiscover_tasks(force=True)


@pytest.fixture(autouse=True)
def _celery_tasks_run_at_once(_celery_tasks_registered):
    """A task enqueued after commit runs at once in the test's process, as the worker would run it: no worker
    in tests, and nothing left behind in the broker of the checkout (var/celery) for a later `make run`."""
    from diepholz_coord.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def world(db):
    """Two providers A and B with a course each, and one user per role."""
    municipality_a = factories.MunicipalityFactory(name="Syke", ars="032510041")
    municipality_b = factories.MunicipalityFactory(name="Diepholz", ars="032510012")
    provider_a = factories.ProviderFactory(name="Träger A", municipality=municipality_a)
    provider_b = factories.ProviderFactory(name="Träger B", municipality=municipality_b)
    course_a = factories.CourseFactory(provider=provider_a, title="Kurs A")
    course_b = factories.CourseFactory(provider=provider_b, title="Kurs B")
    users = SimpleNamespace(
        coordinator=factories.coordinator(),
        county=factories.county_staff(),
        a_admin=factories.MembershipFactory(provider=provider_a, role=Membership.Role.ADMIN).user,
        a_staff=factories.MembershipFactory(provider=provider_a, role=Membership.Role.STAFF).user,
        b_admin=factories.MembershipFactory(provider=provider_b, role=Membership.Role.ADMIN).user,
    )
    participant_a = factories.ParticipantFactory(provider=provider_a, first_name="Amira", last_name="Haddad")
    # A consent to discuss Amira in the coordination meeting: names no provider, so B has no relation to her.
    consent_a = factories.ConsentFactory(participant=participant_a, recipient=None, purpose="meeting")
    from participants.models import CourseWish, Enrollment

    wish_a = CourseWish.objects.create(participant=participant_a, level=2, course_types=["IK_ALLG"])
    enrollment_a = Enrollment.objects.create(participant=participant_a, course=course_a, status="enrolled")
    return SimpleNamespace(
        participant_a=participant_a,
        consent_a=consent_a,
        wish_a=wish_a,
        enrollment_a=enrollment_a,
        provider_a=provider_a,
        provider_b=provider_b,
        course_a=course_a,
        course_b=course_b,
        venue_a=course_a.venue,
        venue_b=course_b.venue,
        users=users,
        membership_a_staff=Membership.objects.get(user=users.a_staff),
        membership_b_admin=Membership.objects.get(user=users.b_admin),
    )


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
