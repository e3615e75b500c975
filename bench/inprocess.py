"""The parts of `make bench` that run inside Django against one benchmark database (DATABASE_URL).

`python -m bench.inprocess pages`: the measured pages with their URLs, the login that asks for each and the
queries one request makes (Django's test client, DEBUG=False as in production), as JSON on stdout.
`python -m bench.inprocess work`: matching for everyone in courses ending within 8 weeks, the agenda and
minutes PDFs (total, pages, bytes) next to pure WeasyPrint on the exact final HTML.
`python -m bench.inprocess agendas N`: N agenda PDFs rendered by the running Celery worker (the tasks are sent
through the broker and waited for), for the worker's memory after rendering.
`python -m bench.inprocess split [--requests N] [KEY ...]`: where each page's time goes (templates, SQL, the
rest); `make bench` runs it for the pages below the throughput goal.

Called by bench/http.py in a subprocess per database; prints one JSON document.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diepholz_coord.settings")
os.environ.setdefault("TWO_FACTOR_REQUIRED", "false")


def _setup():
    import django

    django.setup()


def _meeting():
    from meetings.models import Body, Meeting

    return (
        Meeting.objects.filter(series__body=Body.PROVIDER_ROUND, agenda_snapshot__isnull=False)
        .order_by("-starts_at")
        .first()
    )


def pages() -> list[dict]:
    """The pages of the main navigation for their main role, the free-place POST, and the references."""
    from django.urls import reverse

    from courses.domain import Level
    from courses.models import Course
    from participants.models import Participant

    meeting = _meeting()
    course = Course.objects.filter(provider__name__startswith="Volkshochschule Hunte-Weser").bookable().first()
    some_name = Participant.objects.filter(provider__name__startswith="Volkshochschule").values_list(
        "last_name", flat=True
    )[:1]
    listed = [
        # (key, label, login, path, kind) — kind: page, list (compared with the admin changelists), reference
        ("trivial", "Trivial page (base template, no data)", "koordination", reverse("password_change"), "reference"),
        ("admin_courses", "Django admin: courses", "koordination", "/admin/courses/course/", "reference"),
        (
            "admin_participants",
            "Django admin: participants",
            "koordination",
            "/admin/participants/participant/",
            "reference",
        ),
        ("home_provider", "Home, provider staff", "vhs-kurs", reverse("home"), "page"),
        ("home_coordinator", "Home, coordinator", "koordination", reverse("home"), "page"),
        ("overview", "District overview, county staff", "kreis", reverse("courses:district_overview"), "page"),
        ("courses", "Course list, coordinator", "koordination", reverse("courses:course_list"), "list"),
        (
            "courses_filtered",
            "Course list filtered, coordinator",
            "koordination",
            reverse("courses:course_list") + f"?status=bookable&level={Level.A2}",
            "list",
        ),
        ("participants", "Participant list, provider", "vhs", reverse("participants:participant_list"), "list"),
        (
            "participants_search",
            "Participant search, provider",
            "vhs",
            reverse("participants:participant_list") + f"?q={some_name[0] if some_name else 'a'}",
            "list",
        ),
        ("demand", "Demand, county staff", "kreis", reverse("participants:demand"), "page"),
        ("handovers", "Handover board, provider", "vhs", reverse("transitions:handover_list"), "list"),
        ("ending", "Ending courses, provider", "vhs", reverse("transitions:ending_course_list"), "list"),
        ("meetings", "Meetings, coordinator", "koordination", reverse("meetings:meeting_list"), "list"),
        (
            "meeting",
            "Meeting page, coordinator",
            "koordination",
            reverse("meetings:meeting_detail", args=[meeting.pk]),
            "page",
        ),
        ("register", "Register of workflows, county staff", "kreis", reverse("register:workflow_list"), "list"),
        ("developments", "Developments, county staff", "kreis", reverse("developments:development_list"), "list"),
        ("providers", "Provider list, coordinator", "koordination", reverse("courses:provider_list"), "list"),
    ]
    found = [
        {"key": k, "label": label, "login": login, "path": path, "kind": kind, "method": "GET"}
        for k, label, login, path, kind in listed
    ]
    found.append(
        {
            "key": "free_places_post",
            "label": "Free-place report (POST, htmx), provider staff",
            "login": "vhs-kurs",
            "path": reverse("courses:course_report_places", args=[course.pk]),
            "kind": "post",
            "method": "POST",
            "body": {"free_places": "3", "note": ""},
        }
    )
    return found


def count_queries(found: list[dict]) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    clients: dict[str, Client] = {}
    for page in found:
        if page["login"] not in clients:
            clients[page["login"]] = Client()
            clients[page["login"]].force_login(get_user_model().objects.get(username=page["login"]))
        client = clients[page["login"]]
        send = client.post if page["method"] == "POST" else client.get
        kwargs = {"data": page["body"], "HTTP_HX_REQUEST": "true"} if page["method"] == "POST" else {}
        send(page["path"], **kwargs)  # the session refresh and the first request's work are not counted
        with CaptureQueriesContext(connection) as queries:
            response = send(page["path"], **kwargs)
        if response.status_code != 200:
            raise SystemExit(f"{page['path']} as {page['login']}: {response.status_code}")
        counts[page["key"]] = len(queries)
    return counts


def work() -> dict:
    """Matching for everyone in courses ending within 8 weeks; agenda and minutes PDFs against pure WeasyPrint."""
    import weasyprint
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from pypdf import PdfReader

    from courses.models import Course, Provider
    from meetings import pdf
    from participants.models import Participant
    from transitions import matching

    today = timezone.localdate()
    ending = Course.objects.filter(
        status__in=[Course.Status.RUNNING, Course.Status.OPEN],
        end_date__gte=today,
        end_date__lte=today + datetime.timedelta(weeks=8),
    )
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        suggested = matching.suggest_for_ending_courses(courses=ending, today=today)
    matching_seconds = time.perf_counter() - started
    people = sum(len(by_person) for by_person in suggested.values())

    meeting = _meeting()
    figures: dict = {
        "sizes": {
            "providers": Provider.objects.count(),
            "courses": Course.objects.count(),
            "participants": Participant.objects.count(),
        },
        "matching": {
            "courses": len(suggested),
            "people": people,
            "seconds": round(matching_seconds, 3),
            "queries": len(queries),
        },
    }
    for kind, html_of, render in (
        ("agenda_pdf", pdf.agenda_html, pdf.agenda_pdf),
        ("minutes_pdf", pdf.minutes_html, pdf.minutes_pdf),
    ):
        render(meeting)  # fonts and templates loaded once
        started = time.perf_counter()
        content = render(meeting)
        total = time.perf_counter() - started
        html = html_of(meeting)
        started = time.perf_counter()
        weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
        pure = time.perf_counter() - started
        figures[kind] = {
            "seconds": round(total, 3),
            "pure_weasyprint_seconds": round(pure, 3),
            "ratio": round(total / pure, 2),
            "pages": len(PdfReader(io.BytesIO(content)).pages),
            "bytes": len(content),
        }
    return figures


def agendas(count: int) -> dict:
    """`count` agenda PDFs rendered by the Celery worker (state set back to pending, task sent, waited for)."""
    from django.utils import timezone

    from meetings.models import Meeting
    from meetings.tasks import render_agenda_pdf

    pending, ready = Meeting.FileState.PENDING, Meeting.FileState.READY
    meetings = list(Meeting.objects.filter(agenda_snapshot__isnull=False).order_by("-starts_at")[:count])
    if not meetings:
        raise SystemExit("no meeting with a published agenda to render")
    started = time.perf_counter()
    rendered = ready_count = 0
    while rendered < count:  # in rounds over the meetings there are, until `count` PDFs were rendered
        batch = meetings[: count - rendered]
        for meeting in batch:
            Meeting.objects.filter(pk=meeting.pk).update(
                agenda_pdf_state=pending, agenda_pdf_requested_at=timezone.now()
            )
            render_agenda_pdf.delay(meeting.pk)
        deadline = time.monotonic() + 600
        while Meeting.objects.filter(pk__in=[m.pk for m in batch], agenda_pdf_state=pending).exists():
            if time.monotonic() > deadline:
                raise SystemExit("the worker did not render the agendas within 10 minutes")
            time.sleep(0.2)
        ready_count += Meeting.objects.filter(pk__in=[m.pk for m in batch], agenda_pdf_state=ready).count()
        rendered += len(batch)
    return {"agendas": rendered, "ready": ready_count, "seconds": round(time.perf_counter() - started, 2)}


def split(keys: list[str], requests: int = 30) -> list[dict]:
    """Where a page's time goes, in-process (Django's test client, DEBUG=False): template rendering (without the
    SQL that lazy querysets run while a template renders), SQL, and the rest (ORM, forms, selectors, middleware).
    For the README's explanation of the pages below the throughput goal; not part of `make bench`."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.template import base
    from django.test import Client

    spent = {"templates": 0.0, "sql": 0.0, "sql_in_templates": 0.0}
    rendering = [0]
    render = base.Template.render

    def timed_render(self, context):
        if rendering[0]:
            return render(self, context)
        rendering[0] += 1
        started = time.perf_counter()
        try:
            return render(self, context)
        finally:
            spent["templates"] += time.perf_counter() - started
            rendering[0] -= 1

    def timed_sql(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            spent["sql"] += took
            if rendering[0]:
                spent["sql_in_templates"] += took

    found = []
    base.Template.render = timed_render
    try:
        for page in pages():
            if keys and page["key"] not in keys:
                continue
            client = Client()
            client.force_login(get_user_model().objects.get(username=page["login"]))
            if page["method"] == "POST":

                def send(client=client, page=page):
                    return client.post(page["path"], data=page["body"], HTTP_HX_REQUEST="true")
            else:

                def send(client=client, page=page):
                    return client.get(page["path"])

            if send().status_code != 200:
                raise SystemExit(f"{page['path']} as {page['login']}: not 200")
            send()
            spent.update(templates=0.0, sql=0.0, sql_in_templates=0.0)
            with connection.execute_wrapper(timed_sql):
                started = time.perf_counter()
                for _ in range(requests):
                    send()
                total = time.perf_counter() - started
            templates = spent["templates"] - spent["sql_in_templates"]
            found.append(
                {
                    "key": page["key"],
                    "label": page["label"],
                    "ms": round(total / requests * 1000, 1),
                    "templates_percent": round(templates / total * 100),
                    "sql_percent": round(spent["sql"] / total * 100),
                    "rest_percent": round((total - templates - spent["sql"]) / total * 100),
                }
            )
    finally:
        base.Template.render = render
    return found


def main() -> None:
    _setup()
    what = sys.argv[1]
    if what == "pages":
        found = pages()
        counts = count_queries(found)
        for page in found:
            page["queries"] = counts[page["key"]]
        result = found
    elif what == "work":
        result = work()
    elif what == "agendas":
        result = agendas(int(sys.argv[2]))
    elif what == "split":
        keys = sys.argv[2:]
        requests = 30
        if keys[:1] == ["--requests"]:
            requests, keys = int(keys[1]), keys[2:]
        result = split(keys, requests)
    else:
        raise SystemExit(f"unknown: {what}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
