"""`manage.py plan_meetings`: plan the meetings of the coming three months for every active series.

An outside contract (DESIGN.md). Idempotent: meetings that exist are left alone, so it can run any number of times,
also at the same time as the Celery beat job. ``--today`` pretends another day (tests, catching up).
"""

from __future__ import annotations

import argparse
import datetime

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from meetings.planning import plan_all


def _iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = "Plan the meetings of the next three months for every active meeting series (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=_iso_date, default=None, help="Plan as if today were this date (YYYY-MM-DD)."
        )

    def handle(self, *args, today: datetime.date | None, **options):
        count = plan_all(today=today)
        self.stdout.write(
            self.style.SUCCESS(
                ngettext("%(count)d meeting planned.", "%(count)d meetings planned.", count) % {"count": count}
            )
        )
