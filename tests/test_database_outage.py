"""A database that does not answer: every page says 503 "temporarily unavailable" with Retry-After, the outage is
logged once, and the next request after it is back is answered normally. /healthz keeps its JSON contract,
answers from a short cache and does not wait for a broker that does not answer.

The real outage (a PostgreSQL server stopped and restarted under gunicorn) is in test_database_outage_postgres.py.
"""

import json
import logging
import socket
import time

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse

from courses import selectors as course_selectors
from diepholz_coord import views
from diepholz_coord.celery import app as celery_app

OUTAGE_LOGGER = "diepholz_coord.middleware_outage"


def _refuse(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def _outage_records(caplog):
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == OUTAGE_LOGGER]


def _assert_outage_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Vorübergehend nicht erreichbar" in html
    assert "Bitte versuchen Sie es in einer Minute noch einmal" in html
    assert "Temporarily unavailable" in html  # English below the German


@pytest.mark.django_db
def test_database_down_answers_503_to_every_request_logs_once_and_recovers(world, login, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger=OUTAGE_LOGGER)
    coordinator = login(world.users.coordinator)
    anonymous = Client()
    assert coordinator.get(reverse("home")).status_code == 200

    with monkeypatch.context() as outage:
        # Every use of the connection fails as a stopped server does (psycopg's OperationalError, wrapped).
        outage.setattr(BaseDatabaseWrapper, "ensure_connection", _refuse)
        responses = [
            coordinator.get(reverse("home")),
            coordinator.get(reverse("courses:course_list")),
            coordinator.get(reverse("courses:course_list"), headers={"HX-Request": "true"}),
            coordinator.post(reverse("courses:course_list"), {"title": "x"}),
            anonymous.get(reverse("login")),
            anonymous.post(reverse("login"), {"username": "koordinator", "password": "x"}),
            anonymous.get("/kurse/999999/"),
        ]
        for response in responses:
            _assert_outage_page(response)
        # Logged once for the outage, not per request; and no ERROR per 503 (the autouse guard fails on one).
        assert _outage_records(caplog) == [
            (
                "WARNING",
                'Database unavailable (OperationalError: connection to server at "127.0.0.1", port 5432 failed: '
                "Connection refused): answering 503 until it answers again",
            )
        ]

    # The database is back: the very next request is served, and the end of the outage is logged once.
    assert coordinator.get(reverse("home")).status_code == 200
    assert coordinator.get(reverse("courses:course_list")).status_code == 200
    level, message = _outage_records(caplog)[-1]
    assert level == "INFO"
    assert message.startswith("Database reachable again after ")
    assert message.endswith(f"({len(responses)} requests answered 503)")
    assert len(_outage_records(caplog)) == 2


@pytest.mark.django_db
def test_a_second_outage_is_logged_again(world, login, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger=OUTAGE_LOGGER)
    client = login(world.users.a_admin)
    for _outage in range(2):
        with monkeypatch.context() as outage:
            outage.setattr(BaseDatabaseWrapper, "ensure_connection", _refuse)
            assert client.get(reverse("home")).status_code == 503
            assert client.get(reverse("home")).status_code == 503
        assert client.get(reverse("home")).status_code == 200
    assert [level for level, _message in _outage_records(caplog)] == ["WARNING", "INFO", "WARNING", "INFO"]


@pytest.mark.django_db
def test_database_lost_while_the_session_is_read_answers_503(world, login, monkeypatch, caplog):
    """The connection was fine at the start of the request; the session's query in a middleware fails (the
    audit log middleware loads the user). Django's handler500 turns it into the outage page."""
    caplog.set_level(logging.INFO, logger=OUTAGE_LOGGER)
    session_key = login(world.users.coordinator).cookies["sessionid"].value
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = session_key
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", _refuse)
    _assert_outage_page(client.get(reverse("home")))
    _assert_outage_page(client.get(reverse("courses:course_list")))
    assert [level for level, _message in _outage_records(caplog)] == ["WARNING"]


@pytest.mark.django_db
def test_database_lost_while_a_view_runs_answers_503(world, login, monkeypatch):
    monkeypatch.setattr(course_selectors, "district_totals", _refuse)
    _assert_outage_page(login(world.users.coordinator).get(reverse("home")))


@pytest.mark.django_db
@pytest.mark.expected_error_log  # a real 500 is still logged as an ERROR
def test_other_errors_are_still_500(world, login, monkeypatch):
    def broken(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(course_selectors, "district_totals", broken)
    client = login(world.users.coordinator)
    client.raise_request_exception = False
    response = client.get(reverse("home"))
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in response.content.decode()
    assert "Retry-After" not in response


@pytest.mark.django_db
@pytest.mark.expected_error_log  # Django logs every 5xx response of /healthz as an ERROR
def test_healthz_keeps_its_json_contract_while_the_database_is_down(client, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger=OUTAGE_LOGGER)
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", _refuse)
    _assert_outage_page(client.get(reverse("home")))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error", "database": "error", "broker": "ok"}
    # /healthz answering is not the database being back.
    assert [level for level, _message in _outage_records(caplog)] == ["WARNING"]


# --- /healthz: short cache, short broker timeout -------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def broker_at(monkeypatch):
    """Point the broker at a URL; count the connections /healthz opens to it."""
    opened = []
    connection_for_write = celery_app.connection_for_write

    def counting(*args, **kwargs):
        opened.append(celery_app.conf.broker_url)
        return connection_for_write(*args, **kwargs)

    monkeypatch.setattr(celery_app, "connection_for_write", counting)

    def _broker_at(url):
        monkeypatch.setattr(celery_app.conf, "broker_url", url)
        return opened

    return _broker_at


@pytest.fixture
def clock(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(views.health_cache, "clock", clock)
    return clock


@pytest.fixture
def silent_server():
    """A port that accepts TCP connections and never answers (a hung broker, not a stopped one)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.mark.django_db
@pytest.mark.expected_error_log  # Django logs every 5xx response as an ERROR
@pytest.mark.parametrize("broker", ["closed port", "silent server"])
def test_healthz_does_not_wait_for_a_broker_that_does_not_answer(client, broker_at, clock, silent_server, broker):
    port = 1 if broker == "closed port" else silent_server
    opened = broker_at(f"redis://127.0.0.1:{port}/0")
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    seconds = time.monotonic() - started
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error", "database": "ok", "broker": "error"}
    # Before: one retry after kombu's 2 s pause (closed port), or waiting for ever (silent server).
    assert seconds < (1.0 if broker == "closed port" else 1.6), f"/healthz took {seconds:.2f} s"
    assert len(opened) == 1

    # Within the cache window the answer is the cached one, without a new connection to the broker.
    clock.now += views.HEALTHZ_CACHE_SECONDS - 0.1
    started = time.monotonic()
    again = client.get(reverse("healthz"))
    assert time.monotonic() - started < 0.2
    assert (again.status_code, again.content) == (503, response.content)
    assert len(opened) == 1


@pytest.mark.django_db
@pytest.mark.expected_error_log  # Django logs every 5xx response as an ERROR
def test_healthz_checks_again_after_the_cache_window(client, broker_at, clock):
    working = celery_app.conf.broker_url
    opened = broker_at("redis://127.0.0.1:1/0")
    assert client.get(reverse("healthz")).status_code == 503
    broker_at(working)  # the broker is back
    assert client.get(reverse("healthz")).status_code == 503  # still the cached answer
    clock.now += views.HEALTHZ_CACHE_SECONDS
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok"}
    assert len(opened) == 2
    assert "no-cache" in response["Cache-Control"]  # the cache is inside the process, never in a proxy
