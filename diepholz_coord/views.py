from __future__ import annotations

import logging

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
            "overview": course_selectors.district_overview(user=request.user, today=today),
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


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and `make run`: database and broker, no login. 503 when a part fails."""
    result = {"status": "ok", "database": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("healthz: database check failed", exc_info=True)
        result["database"] = "error"
    try:
        from .celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception:
        logger.warning("healthz: broker check failed", exc_info=True)
        result["broker"] = "error"
    healthy = result["database"] == "ok" and result["broker"] == "ok"
    if not healthy:
        result["status"] = "error"
    return JsonResponse(result, status=200 if healthy else 503)


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes calls this when a username has failed too often from one address (429, German text)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
