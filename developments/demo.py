"""The demo developments log (called by `seed_demo` after the meetings and the departments; idempotent).

Six developments of the kind the Aktionsplan Integration deals with, assessed in the demo's two past Aktionsplan
meetings, with measures: some done, one overdue (owned by Fachdienst Soziales, the department of the demo
county-staff login `kreis`), some open; the newest was recorded after the last meeting and waits for the
departments' assessments. Dates are consistent: nothing is assessed before it was recorded or in the future, no
measure is due before the meeting that decided it. Sources are paraphrased and marked as demo content.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from meetings.models import ActionItem, Body, Meeting
from register.models import Department

from .models import Assessment, Development

AFFECTED, NOT_AFFECTED = Assessment.Verdict.AFFECTED, Assessment.Verdict.NOT_AFFECTED

# title → level, source, days before the first meeting (negative: after it), summary, affected groups, concerns
# courses, assessments {department code: (meeting index 0/1 or None for pending, verdict, what follows)}, measures
# [(meeting index, department code, title, due days after that meeting, done)].
DEVELOPMENTS = {
    "Integrationskurse: geänderte Zulassung durch das BAMF": (
        Development.Level.FEDERAL,
        "BAMF, Trägerrundschreiben Integrationskurse (Demo-Zusammenfassung)",
        24,
        "Das BAMF ändert die Zulassung zum Integrationskurs für Menschen mit Aufenthaltsgestattung und Duldung: "
        "Anträge werden nur noch digital gestellt, die Zulassung gilt ein Jahr. Wer bis dahin nicht beginnt, "
        "braucht eine neue Zulassung.",
        "Menschen mit Aufenthaltsgestattung oder Duldung",
        True,
        {
            "koordination": (0, AFFECTED, "Kursträger und Beratungsstellen in der Trägerrunde informieren; "
                             "Übersicht der Zulassungswege für die Beratung erstellen."),
            "soziales": (0, AFFECTED, "Merkblatt für Leistungsberechtigte anpassen; Hinweis im Bescheid."),
            "ordnung": (0, AFFECTED, "Hinweis auf die Jahresfrist bei der Aushändigung der Duldung."),
            "jugend": (0, NOT_AFFECTED, "Unter 18-Jährige sind nicht betroffen."),
        },
        [
            (0, "koordination", "Übersicht der Zulassungswege für die Beratungsstellen erstellen", 21, True),
            (0, "soziales", "Merkblatt für Leistungsberechtigte zur digitalen Antragstellung anpassen", 35, False),
        ],
    ),
    "Vorübergehender Schutz für Geflüchtete aus der Ukraine verlängert": (
        Development.Level.EU,
        "Durchführungsbeschluss des Rates der EU (Demo-Zusammenfassung)",
        40,
        "Der vorübergehende Schutz für Geflüchtete aus der Ukraine wird um ein Jahr verlängert. "
        "Aufenthaltserlaubnisse nach § 24 AufenthG gelten fort; Kursberechtigungen bleiben bestehen.",
        "Geflüchtete aus der Ukraine",
        True,
        {
            "ordnung": (0, AFFECTED, "Fiktionsbescheinigungen werden ohne Vorsprache verlängert."),
            "soziales": (0, AFFECTED, "Keine Änderung der Leistungen; Information an die Sachbearbeitung."),
            "schule": (0, NOT_AFFECTED, "Schulpflicht und Sprachlernklassen unverändert."),
        },
        [(0, "ordnung", "Verlängerung im Ausländeramt ohne Vorsprache organisieren", 14, True)],
    ),
    "Neue Förderrunde des Landes für niedrigschwellige Sprachkurse": (
        Development.Level.LAND,
        "Richtlinie des Landes Niedersachsen zur Sprachförderung, Förderaufruf (Demo-Zusammenfassung)",
        -20,
        "Das Land fördert wieder niedrigschwellige Sprachkurse für Menschen ohne Zugang zum Integrationskurs. "
        "Anträge stellen Landkreise und Träger bis Ende Februar; gefördert werden Kurse mit Kinderbetreuung "
        "bevorzugt.",
        "Menschen ohne Zugang zum Integrationskurs, Eltern kleiner Kinder",
        True,
        {
            "koordination": (1, AFFECTED, "Gemeinsamen Antrag mit den Trägern für Sulingen und Syke vorbereiten."),
            "wirtschaft": (1, NOT_AFFECTED, "Kein Bezug zur Arbeitsmarktförderung."),
            "jugend": (1, AFFECTED, "Kinderbetreuung während der Kurse über die Kita-Fachberatung klären."),
            "soziales": (None, None, ""),
        },
        [
            (1, "koordination", "Förderantrag mit den Trägern für Sulingen und Syke vorbereiten", 75, False),
            (1, "jugend", "Kinderbetreuung für die geförderten Kurse mit der Kita-Fachberatung klären", 40, False),
        ],
    ),
    "Sprachförderung vor der Einschulung: Sprachstandsfeststellung in der Kita": (
        Development.Level.LAND,
        "Änderung des Niedersächsischen Kita-Gesetzes (Demo-Zusammenfassung)",
        5,
        "Die Sprachstandsfeststellung vor der Einschulung findet künftig in der Kita statt; Kinder ohne "
        "Kita-Platz werden von den Grundschulen eingeladen.",
        "Familien mit Kindern im Vorschulalter",
        False,
        {
            "jugend": (0, AFFECTED, "Kitas über das neue Verfahren informieren; Kinder ohne Kita-Platz melden."),
            "schule": (1, AFFECTED, "Grundschulen laden Kinder ohne Kita-Platz ein; Liste über den Fachdienst."),
        },
        [(0, "jugend", "Kitas über die Sprachstandsfeststellung informieren", 28, True)],
    ),
    "Wohnsitzauflage: neue Verteilung innerhalb des Landkreises": (
        Development.Level.COUNTY,
        "Beschluss des Kreisausschusses (Demo)",
        -10,
        "Neu zugewiesene Menschen werden stärker auf die Gemeinden mit freien Kursplätzen verteilt "
        "(Sulingen, Syke, Twistringen).",
        "Neu zugewiesene Geflüchtete",
        True,
        {
            "ordnung": (1, AFFECTED, "Zuweisung berücksichtigt die Kursübersicht des Landkreises."),
            "soziales": (1, AFFECTED, "Unterkünfte in Sulingen und Syke vorrangig belegen."),
            "koordination": (1, AFFECTED, "Kursträger in den Gemeinden früh über Zuweisungen informieren."),
        },
        [(1, "soziales", "Unterkunftsplanung mit der neuen Verteilung abstimmen", 14, False)],
    ),
    "Berufssprachkurse: neue Regel für Spezialkurse mit Fachsprache": (
        Development.Level.FEDERAL,
        "Verordnung über die berufsbezogene Deutschsprachförderung, Änderung (Demo-Zusammenfassung)",
        None,  # recorded after the last meeting: new on the next agenda, not assessed yet
        "Spezialberufssprachkurse für akademische Heilberufe und Gewerbe/Technik setzen künftig B1 statt B2 "
        "voraus; Jobcenter und Arbeitsagentur können Teilnehmende früher zuweisen.",
        "Zugewanderte mit B1 in Heilberufen und technischen Berufen",
        True,
        {"wirtschaft": (None, None, ""), "soziales": (None, None, ""), "koordination": (None, None, "")},
        [],
    ),
}  # fmt: skip


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def seed_developments(*, today: datetime.date | None = None) -> int:
    """The demo log against the two past Aktionsplan meetings (nothing when they or the coordinator are missing)."""
    today = today or timezone.localdate()
    now = timezone.now()
    coordinator = get_user_model().objects.filter(username="koordination").first()
    meetings = list(
        Meeting.objects.filter(series__body=Body.ACTION_PLAN, starts_at__date__lt=today)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at")
    )[-2:]
    if coordinator is None or len(meetings) < 2:
        return 0
    departments = {d.code: d for d in Department.objects.all()}
    first_day = timezone.localtime(meetings[0].starts_at).date()
    last_day = timezone.localtime(meetings[1].starts_at).date()
    created = 0
    with transaction.atomic():
        for title, (
            level,
            source,
            days_before,
            summary,
            groups,
            courses,
            assessments,
            measures,
        ) in DEVELOPMENTS.items():
            if Development.objects.filter(title=title).exists():
                continue
            if days_before is None:  # after the last meeting, before today
                dated = last_day + (today - last_day) // 2
            else:
                dated = min(first_day - datetime.timedelta(days=days_before), last_day - datetime.timedelta(days=3))
            development = Development.objects.create(
                title=title,
                level=level,
                source=source,
                dated=dated,
                summary=summary,
                affected_groups=groups,
                concerns_courses=courses,
                created_by=coordinator,
            )
            # Recorded a day after the source's date (never in the future).
            Development.objects.filter(pk=development.pk).update(
                created_at=min(_at(dated + datetime.timedelta(days=1), 10), now)
            )
            for code, (index, verdict, consequences) in assessments.items():
                department = departments.get(code)
                if department is None:
                    continue
                # Recorded the day after its date: a meeting on or before that day cannot have assessed it.
                if index is None or timezone.localtime(meetings[index].starts_at).date() <= dated:
                    Assessment.objects.create(development=development, department=department)
                    continue
                meeting = meetings[index]
                Assessment.objects.create(
                    development=development,
                    department=department,
                    verdict=verdict,
                    consequences=consequences,
                    meeting=meeting,
                    assessed_by=coordinator,
                    assessed_at=meeting.starts_at + datetime.timedelta(minutes=30),
                )
            for index, code, measure, due_days, done in measures:
                meeting, department = meetings[index], departments.get(code)
                if department is None:
                    continue
                due_on = timezone.localtime(meeting.starts_at).date() + datetime.timedelta(days=due_days)
                done_at = min(_at(due_on, 12), now) if done else None
                item = ActionItem.objects.create(
                    meeting=meeting,
                    development=development,
                    owner_department=department,
                    title=measure,
                    due_on=due_on,
                    status=ActionItem.Status.DONE if done else ActionItem.Status.OPEN,
                    done_at=done_at,
                    created_by=coordinator,
                )
                ActionItem.objects.filter(pk=item.pk).update(created_at=meeting.ends_at)
            created += 1
    return created
