from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from courses import selectors as course_selectors
from courses.forms import FreePlacesForm
from developments import selectors as development_selectors
from meetings import selectors as meeting_selectors
from transitions import selectors as transition_selectors

from . import access

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """The start page for the user's role: what waits for the user first, then the overview."""
    role = access.role_of(request.user)
    today = timezone.localdate()
    if role in access.PROVIDER_ROLES:
        courses = list(course_selectors.provider_home_courses(user=request.user, today=today))
        rows = [{"course": course, "form": FreePlacesForm(course=course)} for course in courses]
        return render(
            request,
            "home_provider.html",
            {
                "rows": rows,
                "providers": course_selectors.providers_visible_to(user=request.user),
                "stale_count": sum(1 for course in courses if course.report_is_stale),
                "stale_days": settings.STALE_REPORT_DAYS,
                # Handovers waiting for the provider: offers to answer, people to receive, its own offers.
                "queue": transition_selectors.provider_queue(user=request.user, today=today),
                # Open action items from meetings for the user's providers (mark done here).
                "today": today,
                "my_action_items": list(meeting_selectors.open_action_items_for_provider(user=request.user)[:50]),
                "meetings": meeting_selectors.next_meetings_by_body(user=request.user),
            },
        )
    if role in access.COUNTY_ROLES:
        context = {
            # The cards only: totals, not the matrix or the stale list (one query).
            "overview": course_selectors.district_totals(user=request.user, today=today),
            "meetings": meeting_selectors.next_meetings_by_body(user=request.user),
            "today": today,
            # Measures owned by the user's department (Aktionsplan) or by the user: marked done here.
            "my_action_items": list(meeting_selectors.open_action_items_for_provider(user=request.user)[:50]),
            # County staff: developments their department has not assessed yet (none for the coordinator).
            "open_assessments": development_selectors.open_assessments_for(user=request.user),
        }
        if role == access.Role.COORDINATOR:
            count, items = meeting_selectors.open_action_items(limit=10)
            context.update(
                queue=transition_selectors.coordinator_queue(today=today),
                action_item_count=count,
                action_items=items,
                open_assessment_count=development_selectors.open_assessment_count(),
            )
        return render(request, "home_county.html", context)
    return render(request, "home_no_role.html", status=403)


# /healthz answers from this cache for a few seconds: load balancers and monitors poll it without login, and
# every poll must not cost a database and a broker round trip (nor, with a part down, its timeout).
HEALTHZ_CACHE_SECONDS = 5
# A broker that does not answer fails the check after this long instead of holding a web worker.
HEALTHZ_BROKER_TIMEOUT_SECONDS = 1


class HealthCache:
    """Per process: the last /healthz result and when it was taken. One check at a time; requests arriving
    during a check wait for it and share its result instead of starting their own."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._result: tuple[float, dict[str, str]] | None = None

    def get(self, check) -> dict[str, str]:
        with self._lock:
            if self._result is None or self.clock() - self._result[0] >= HEALTHZ_CACHE_SECONDS:
                self._result = (self.clock(), check())
            return self._result[1]

    def clear(self) -> None:
        with self._lock:
            self._result = None


health_cache = HealthCache()


def _health_check() -> dict[str, str]:
    result = {"status": "ok", "database": "ok", "broker": "ok"}
    try:
        # Connecting gives up after the connect_timeout of DATABASES (settings).
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("healthz: database check failed", exc_info=True)
        result["database"] = "error"
    try:
        from .celery import app

        # One attempt, no retry (kombu would wait 2 s before a retry); the socket timeouts bound a broker that
        # accepts the connection but does not answer. The filesystem broker of `make run` ignores them.
        timeout = HEALTHZ_BROKER_TIMEOUT_SECONDS
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        with app.connection_for_write(transport_options=options) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
    except Exception:
        logger.warning("healthz: broker check failed", exc_info=True)
        result["broker"] = "error"
    if result["database"] != "ok" or result["broker"] != "ok":
        result["status"] = "error"
    return result


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and `make run`: database and broker, no login. 503 when a part fails."""
    result = health_cache.get(_health_check)
    return JsonResponse(result, status=200 if result["status"] == "ok" else 503)


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes calls this when a username has failed too often from one address (429, German text)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
