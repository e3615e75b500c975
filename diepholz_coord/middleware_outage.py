"""Database outages answer 503 "temporarily unavailable" with Retry-After, are logged once, and end by themselves.

Three places catch a database that does not answer, because Django turns an exception into a 500 response at
every middleware layer, so no single middleware sees them all:

- `DatabaseOutageMiddleware.__call__` connects (and health-checks a kept connection) before session,
  authentication and audit middleware touch the database: the usual case, a database that is down when the
  request arrives, never reaches code that would fail half-way.
- `DatabaseOutageMiddleware.process_exception`: the database goes away while a view runs.
- `server_error` (the project's handler500): the database goes away while another middleware uses it (the
  session or the user loaded for the audit log). Django calls it only with DEBUG off; with DEBUG on the
  developer sees the traceback instead.

Django logs every 5xx response as an ERROR; an outage would log one per request. Instead the first failure logs
one WARNING with the cause, and the first request answered normally afterwards logs one INFO with the outage's
length and how many requests were answered 503.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

import psycopg
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
# Seconds a client (browser, htmx, a script) is asked to wait before trying again: about what a PostgreSQL
# restart or a failover takes.
RETRY_AFTER_SECONDS = 30


class OutageLog:
    """Per process: logs the start of an outage once and its end once; counts the requests answered 503."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._answered = 0

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self._answered += 1
            if self._down_since is not None:
                return
            self._down_since = time.monotonic()
        logger.warning(
            "Database unavailable (%s: %s): answering 503 until it answers again",
            type(exc).__name__,
            str(exc).strip(),
        )

    def succeeded(self) -> None:
        if self._down_since is None:  # the usual case: no lock
            return
        with self._lock:
            if self._down_since is None:
                return
            seconds, answered = time.monotonic() - self._down_since, self._answered
            self._down_since, self._answered = None, 0
        logger.info("Database reachable again after %.1f s (%d requests answered 503)", seconds, answered)


outage_log = OutageLog()


def unavailable_response(exc: BaseException) -> HttpResponse:
    """The 503 page. Rendered without a request, so no context processor (navigation, user menu) runs: nothing
    on it may need the database."""
    outage_log.failed(exc)
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.database_unavailable = True  # the outage goes on: not a request that reached the database
    add_never_cache_headers(response)  # a proxy must not keep serving the outage page afterwards
    # Logged once per outage above; without this Django logs an ERROR for every request answered 503.
    response._has_been_logged = True
    return response


class DatabaseOutageMiddleware:
    """Place after SecurityMiddleware and WhiteNoise (static files need no database), before the session."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._own_answer_paths: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._own_answer_paths is None:
            # /healthz reports the database itself, in its JSON contract (database: "error", 503).
            self._own_answer_paths = frozenset({reverse("healthz")})
        if request.path_info in self._own_answer_paths:
            return self.get_response(request)
        try:
            # A connection kept from an earlier request (CONN_MAX_AGE) may be dead after a restart: the health
            # check replaces it, as the first query would; then connect if there is none.
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except DATABASE_UNAVAILABLE_ERRORS as exc:
            return unavailable_response(exc)
        response = self.get_response(request)
        if not getattr(response, "database_unavailable", False):
            outage_log.succeeded()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
            return unavailable_response(exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database error raised in a middleware is an outage (503); anything else is Django's 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_UNAVAILABLE_ERRORS):
        return unavailable_response(exc)
    return defaults.server_error(request)
