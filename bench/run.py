"""`make bench`: response time, query count and memory of the main pages at 10 × the realistic county size.

Uses its own database (var/bench.sqlite3 unless BENCH_DATABASE_URL is set), fills it once with seed_demo and
`seed_scale --factor FACTOR`, then requests each page REPEAT times through Django's test client and prints
median and 95th-percentile time, queries per request and the process's peak memory. Results also go to
var/bench.json so runs can be compared.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACTOR = int(os.environ.get("BENCH_FACTOR", "10"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diepholz_coord.settings")
# The benchmark measures pages, not the login: its users need no code step.
os.environ.setdefault("TWO_FACTOR_REQUIRED", "false")
sys.path.insert(0, str(ROOT))


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from courses.models import Course, PlaceReport, Provider
    from participants.models import Participant

    call_command("migrate", verbosity=0)
    if not Provider.objects.filter(name__startswith="Demo-Träger").exists():
        started = time.perf_counter()
        call_command("seed_demo", verbosity=0)
        call_command("seed_scale", factor=FACTOR, verbosity=0)
        print(f"seeded factor {FACTOR} in {time.perf_counter() - started:.1f} s")
    print(
        f"data: {Provider.objects.count()} providers, {Course.objects.count()} courses, "
        f"{PlaceReport.objects.count()} place reports, {Participant.objects.count()} participants"
    )
    users = {name: get_user_model().objects.get(username=name) for name in ("vhs", "koordination", "kreis")}
    from meetings import agenda, pdf
    from meetings.models import Body, Meeting

    meeting = (
        Meeting.objects.filter(series__body=Body.PROVIDER_ROUND, agenda_snapshot__isnull=False)
        .order_by("-starts_at")
        .first()
    )
    pages = [
        ("provider home", "vhs", reverse("home")),
        ("coordinator home", "koordination", reverse("home")),
        ("district overview", "kreis", reverse("courses:district_overview")),
        ("course list", "koordination", reverse("courses:course_list")),
        ("course list, filtered", "koordination", reverse("courses:course_list") + "?status=bookable&level=2"),
        ("provider list", "koordination", reverse("courses:provider_list")),
        ("participant list, provider", "vhs", reverse("participants:participant_list")),
        ("participant list, coordinator", "koordination", reverse("participants:participant_list")),
        ("participant search", "koordination", reverse("participants:participant_list") + "?q=ahmad"),
        ("demand view, county", "kreis", reverse("participants:demand")),
        ("participant export xlsx", "vhs", reverse("participants:participant_export") + "?format=xlsx"),
        ("meeting list", "koordination", reverse("meetings:meeting_list")),
        ("meeting page, published agenda", "koordination", reverse("meetings:meeting_detail", args=[meeting.pk])),
        ("agenda print view, county", "kreis", reverse("meetings:agenda_print", args=[meeting.pk])),
    ]
    results = []
    for label, username, url in pages:
        client = Client()
        client.force_login(users[username])
        client.get(url)  # warm up
        timings = []
        for _ in range(REPEAT):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        timings.sort()
        results.append(
            {
                "page": label,
                "url": url,
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
                "queries": len(queries.captured_queries),
            }
        )
    # The agenda builder (snapshot of the live district) and the agenda PDF, as the Celery worker runs them.
    jobs = []
    for label, job in (
        ("agenda snapshot (builder)", lambda: agenda.build_snapshot(meeting)),
        ("agenda PDF (WeasyPrint)", lambda: pdf.agenda_pdf(meeting)),
    ):
        timings = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                job()
                timings.append((time.perf_counter() - started) * 1000)
        jobs.append(
            {"job": label, "median_ms": round(statistics.median(timings), 1), "queries": len(queries.captured_queries)}
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{'page':32} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for row in results:
        print(f"{row['page']:32} {row['median_ms']:>10} {row['p95_ms']:>8} {row['queries']:>8}")
    print(f"\n{'background job':32} {'median ms':>10} {'queries':>8}")
    for row in jobs:
        print(f"{row['job']:32} {row['median_ms']:>10} {row['queries']:>8}")
    print(f"\npeak memory of the benchmark process: {peak_mb:.0f} MB")
    out = ROOT / "var" / "bench.json"
    out.write_text(
        json.dumps({"factor": FACTOR, "repeat": REPEAT, "pages": results, "jobs": jobs, "peak_mb": round(peak_mb)})
    )
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
