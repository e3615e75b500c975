"""Demo departments and other actors (called by `seed_demo` before the meetings; idempotent), and the demo
register of workflows (`seed_workflows`, called after the meetings).

The demo county-staff login `kreis` works in the Soziales department (it records that department's assessments
in the Aktionsplan round). Addresses are fictional (example.org).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from courses.models import Provider
from meetings.models import Body, Meeting

from . import services
from .models import Actor, Department, Workflow, WorkflowVersion

DEPARTMENTS = [
    # code, name, e-mail, phone
    ("koordination", "Koordination Integration und Sprachförderung", "integration@example.org", "05441 976-1200"),
    ("jugend", "Fachdienst Jugend", "jugend@example.org", "05441 976-1300"),
    ("soziales", "Fachdienst Soziales", "soziales@example.org", "05441 976-1400"),
    ("gesundheit", "Fachdienst Gesundheit", "gesundheit@example.org", "05441 976-1500"),
    ("ordnung", "Fachdienst Ordnung (Ausländerbehörde)", "ordnung@example.org", "05441 976-1600"),
    ("schule", "Fachdienst Schule und Bildung", "schule@example.org", "05441 976-1700"),
    ("wirtschaft", "Wirtschaftsförderung", "wirtschaft@example.org", "05441 976-1800"),
]

ACTORS = [
    ("Jobcenter Landkreis Diepholz (Demo)", Actor.Kind.JOBCENTER, "jobcenter@example.org", "05441 900-100"),
    ("Agentur für Arbeit Nienburg-Verden, Geschäftsstelle Diepholz (Demo)", Actor.Kind.JOBCENTER,
     "arbeitsagentur@example.org", "0800 4 5555 00"),
    ("BAMF-Regionalkoordination (Demo)", Actor.Kind.OTHER, "regionalkoordination@example.org", ""),
    ("Grundschulen im Landkreis (Schulleitungen, Demo)", Actor.Kind.SCHOOL, "schulen@example.org", ""),
    ("Kita-Fachberatung (Demo)", Actor.Kind.KITA, "kita-fachberatung@example.org", "05441 976-1310"),
    ("IHK Hannover, Geschäftsstelle Nienburg (Demo)", Actor.Kind.CHAMBER, "ihk@example.org", ""),
    ("Ehrenamtliche Sprachpatenschaften (Demo)", Actor.Kind.VOLUNTEERS, "sprachpaten@example.org", ""),
]  # fmt: skip

DEMO_COUNTY_USER = "kreis"
DEMO_COUNTY_DEPARTMENT = "soziales"


def seed_departments() -> dict[str, Department]:
    departments = {}
    for position, (code, name, email, phone) in enumerate(DEPARTMENTS):
        department, _created = Department.objects.update_or_create(
            code=code, defaults={"name": name, "email": email, "phone": phone, "position": position}
        )
        departments[code] = department
    for name, kind, email, phone in ACTORS:
        Actor.objects.update_or_create(name=name, defaults={"kind": kind, "email": email, "phone": phone})
    user = get_user_model().objects.filter(username=DEMO_COUNTY_USER).first()
    if user is not None:
        departments[DEMO_COUNTY_DEPARTMENT].members.add(user)
    return departments


# --- Workflows of the Aktionsbündnis register ------------------------------------------------------------------
# A step's responsible: ("department", code) / ("provider", name) / ("actor", name). Contacts stay empty where the
# responsible's own contact is meant (the service fills it in).
D, P, A = "department", "provider", "actor"
JOBCENTER = "Jobcenter Landkreis Diepholz (Demo)"
AGENTUR = "Agentur für Arbeit Nienburg-Verden, Geschäftsstelle Diepholz (Demo)"
BAMF = "BAMF-Regionalkoordination (Demo)"
SCHULEN = "Grundschulen im Landkreis (Schulleitungen, Demo)"
KITA = "Kita-Fachberatung (Demo)"
IHK = "IHK Hannover, Geschäftsstelle Nienburg (Demo)"
PATEN = "Ehrenamtliche Sprachpatenschaften (Demo)"
VHS = "Volkshochschule Hunte-Weser (Demo)"
MBE = "Migrationsberatung Nordkreis (MBE, Demo)"
JMD = "Jugendmigrationsdienst Südkreis (Demo)"
LERNHAUS = "Lernhaus Dümmer gGmbH"

# title → (trigger, summary, [version 1 steps], optional (change note, [version 2 steps]))
WORKFLOWS = {
    "Familie mit schulpflichtigen Kindern kommt an": (
        "Eine geflüchtete Familie mit Kindern zwischen 6 und 16 Jahren wird einer Gemeinde im Landkreis zugewiesen.",
        "Ziel: Schulbesuch innerhalb von drei Wochen nach Ankunft, Sprachkurs für die Eltern parallel.",
        [
            ("Ankunft und Wohnsitz melden, Aufenthaltspapiere prüfen", "", (D, "ordnung"), ""),
            ("Schulpflicht feststellen und Schule zuweisen", "Nach Wohnort und freien Plätzen in Sprachlernklassen.",
             (D, "schule"), ""),
            ("Aufnahmegespräch in der Schule", "Mit Dolmetscherin oder Dolmetscher, wenn nötig.", (A, SCHULEN), ""),
            ("Sprachkursberatung für die Eltern", "", (P, MBE), ""),
        ],
        (
            "Kita-Plätze für jüngere Geschwister werden jetzt gleich mitgeklärt; die Jugendhilfe ist früher beteiligt.",
            [
                ("Ankunft und Wohnsitz melden, Aufenthaltspapiere prüfen", "", (D, "ordnung"), ""),
                ("Schulpflicht feststellen und Schule zuweisen", "Nach Wohnort und freien Plätzen in "
                 "Sprachlernklassen; Zuweisung spätestens zehn Schultage nach Meldung.", (D, "schule"), ""),
                ("Aufnahmegespräch in der Schule", "Mit Dolmetscherin oder Dolmetscher, wenn nötig.", (A, SCHULEN), ""),
                ("Betreuungsbedarf jüngerer Geschwister klären", "", (A, KITA), ""),
                ("Sprachkursberatung für die Eltern", "", (P, MBE), ""),
            ],
        ),
    ),
    "Eine Person erhält eine Berechtigung zum Integrationskurs (BAMF)": (
        "Eine Person legt eine Berechtigung oder Verpflichtung zum Integrationskurs vor.",
        "",
        [
            ("Berechtigung prüfen und Einstufungstest vermitteln", "", (P, VHS), ""),
            ("Passenden Kurs mit freiem Platz suchen", "Über die Kursübersicht des Landkreises.",
             (D, "koordination"), ""),
            ("Anmeldung beim Kursträger", "", (P, VHS), ""),
            ("Fahrtkostenzuschuss beantragen (bei Bedarf)", "", (A, BAMF), ""),
        ],
        (
            "Verpflichtete Personen im Leistungsbezug: das Jobcenter wird vor der Anmeldung informiert.",
            [
                ("Berechtigung prüfen und Einstufungstest vermitteln", "", (P, VHS), ""),
                ("Passenden Kurs mit freiem Platz suchen", "Über die Kursübersicht des Landkreises.",
                 (D, "koordination"), ""),
                ("Jobcenter informieren (bei Verpflichtung im Leistungsbezug)", "", (A, JOBCENTER), ""),
                ("Anmeldung beim Kursträger", "", (P, VHS), ""),
                ("Fahrtkostenzuschuss beantragen (bei Bedarf)", "", (A, BAMF), ""),
            ],
        ),
    ),
    "Ein Kurs fällt kurzfristig aus": (
        "Ein laufender Sprachkurs fällt für mehr als eine Woche aus (Krankheit der Lehrkraft, Raum fehlt).",
        "",
        [
            ("Teilnehmende informieren", "Per Telefon oder Messenger, in einfacher Sprache.", (P, VHS), ""),
            ("Ausfall an die Koordinierungsstelle melden", "", (P, VHS), ""),
            ("Ersatzangebote in der Nähe suchen", "", (D, "koordination"), ""),
            ("Ehrenamtliche Lerntreffs als Überbrückung anbieten", "", (A, PATEN), ""),
        ],
        (
            "Träger melden Ausfälle jetzt direkt im Portal; das Jobcenter wird bei verpflichteten Personen informiert.",
            [
                ("Teilnehmende informieren", "Per Telefon oder Messenger, in einfacher Sprache.", (P, VHS), ""),
                ("Ausfall im Portal melden (Kursstatus ändern)", "", (P, VHS), ""),
                ("Ersatzangebote in der Nähe suchen", "", (D, "koordination"), ""),
                ("Jobcenter informieren (bei verpflichteten Teilnehmenden)", "", (A, JOBCENTER), ""),
                ("Ehrenamtliche Lerntreffs als Überbrückung anbieten", "", (A, PATEN), ""),
            ],
        ),
    ),
    "Jugendliche/r unter 27 sucht einen Jugendintegrationskurs": (
        "Eine junge Person unter 27 Jahren fragt nach einem Sprachkurs oder wird von der Schule gemeldet.",
        "",
        [
            ("Erstberatung und Einstufung", "", (P, JMD), ""),
            ("Jugendintegrationskurs im Landkreis oder in Bremen suchen", "", (D, "koordination"), ""),
            ("Fahrtwege und Fahrkarte klären", "", (D, "jugend"), ""),
        ],
        None,
    ),
    "Alphabetisierungsbedarf wird festgestellt": (
        "Im Einstufungstest oder in der Beratung zeigt sich, dass eine Person nicht oder kaum in lateinischer "
        "Schrift lesen und schreiben kann.",
        "",
        [
            ("Bedarf im Portal vermerken (Alphabetisierung)", "", (P, VHS), ""),
            ("Alphabetisierungskurs mit freiem Platz suchen", "", (D, "koordination"), ""),
            ("Lernpatenschaft vermitteln", "", (A, PATEN), ""),
        ],
        None,
    ),
    "Übergang Integrationskurs → Berufssprachkurs (DeuFöV)": (
        "Eine Person hat den Integrationskurs mit B1 abgeschlossen und sucht Arbeit oder eine Ausbildung.",
        "",
        [
            ("Zertifikat und Ziel besprechen", "", (P, VHS), ""),
            ("Berechtigung für den Berufssprachkurs ausstellen", "", (A, JOBCENTER), ""),
            ("Berufssprachkurs auswählen und anmelden", "", (P, LERNHAUS), ""),
            ("Praktikum oder Anerkennung begleiten", "", (A, IHK), ""),
        ],
        (
            "Auch Personen ohne Leistungsbezug: die Agentur für Arbeit stellt die Berechtigung aus.",
            [
                ("Zertifikat und Ziel besprechen", "", (P, VHS), ""),
                ("Berechtigung ausstellen (Jobcenter, ohne Leistungsbezug die Agentur für Arbeit)", "",
                 (A, JOBCENTER), ""),
                ("Berufssprachkurs auswählen und anmelden", "", (P, LERNHAUS), ""),
                ("Praktikum oder Anerkennung begleiten", "", (D, "wirtschaft"), ""),
            ],
        ),
    ),
    "Kinderbetreuung während des Kurses fehlt": (
        "Eine Person kann einen Kurs nicht besuchen, weil die Betreuung ihrer Kinder unter drei Jahren fehlt.",
        "",
        [
            ("Betreuungsbedarf aufnehmen", "", (P, VHS), ""),
            ("Kursbegleitende Kinderbetreuung oder Kita-Platz suchen", "", (A, KITA), ""),
            ("Kosten der Betreuung klären", "", (D, "jugend"), ""),
            ("Kurs mit Kinderbetreuung vorschlagen", "", (D, "koordination"), ""),
        ],
        None,
    ),
    "Abbruch droht / Fehlzeiten": (
        "Eine Person fehlt drei Kurstage in Folge oder mehr als ein Viertel der Unterrichtseinheiten eines Monats.",
        "",
        [
            ("Gespräch mit der Person führen", "", (P, VHS), ""),
            ("Beratung zu Gründen (Gesundheit, Familie, Arbeit)", "", (P, MBE), ""),
            ("Gesundheitliche Fragen klären", "", (D, "gesundheit"), ""),
            ("Bei verpflichteten Personen: Jobcenter oder Ausländerbehörde informieren", "", (D, "ordnung"), ""),
        ],
        None,
    ),
    "Eine Person verliert den Kursplatz wegen Umzug": (
        "Eine Person zieht innerhalb des Landkreises um und kann den bisherigen Kurs nicht mehr erreichen.",
        "",
        [
            ("Umzug melden", "", (D, "ordnung"), ""),
            ("Übergabe an einen Kurs am neuen Wohnort vorschlagen", "", (D, "koordination"), ""),
            ("Kursplatz übernehmen", "", (P, LERNHAUS), ""),
        ],
        None,
    ),
}  # fmt: skip


def _responsible(spec, departments, providers, actors) -> dict:
    kind, key = spec
    found = {"department": departments, "provider": providers, "actor": actors}[kind].get(key)
    return {kind: found} if found is not None else {}


def seed_workflows(*, today) -> int:
    """The demo register (idempotent: a workflow that exists is left alone). Returns the number of new workflows.

    Versions link the past, non-cancelled meetings of the Aktionsbündnis series in date order: with two of them,
    second versions are decided in the latest and first versions in the one before; with fewer, first versions
    are recorded without a meeting ("before the register existed"). Nothing is decided in the future, and no
    version applies before the meeting that decided it.
    """
    coordinator = get_user_model().objects.filter(username="koordination").first()
    if coordinator is None:
        return 0
    departments = {d.code: d for d in Department.objects.all()}
    providers = {p.name: p for p in Provider.objects.filter(active=True)}
    actors = {a.name: a for a in Actor.objects.all()}
    meetings = list(
        Meeting.objects.filter(series__body=Body.ALLIANCE, starts_at__date__lt=today)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("series")
        .order_by("starts_at")
    )
    second_meeting = meetings[-1] if meetings else None
    first_meeting = meetings[-2] if len(meetings) >= 2 else None

    def day_of(meeting):
        return timezone.localtime(meeting.starts_at).date()

    def item_of(meeting):
        if meeting is None:
            return None
        return meeting.items.filter(title__icontains="Zuständigkeiten").first()

    def steps_of(rows):
        steps = []
        for title, description, spec, contact in rows:
            responsible = _responsible(spec, departments, providers, actors)
            if responsible:
                steps.append({"title": title, "description": description, "contact": contact, **responsible})
        return steps

    created = 0
    with transaction.atomic():
        for index, (title, (trigger, summary, steps_v1, second)) in enumerate(WORKFLOWS.items()):
            if Workflow.objects.filter(title=title).exists():
                continue
            # Recorded before the register: valid for about a year, some now due for review.
            if first_meeting is not None:
                v1_day = day_of(first_meeting) + datetime.timedelta(days=14)
            else:
                v1_day = today - datetime.timedelta(days=330 + 10 * index)
            v1_meeting = first_meeting
            if second is None and index % 2 and second_meeting is not None and first_meeting is None:
                # Some single-version workflows were decided in the latest meeting.
                v1_meeting, v1_day = second_meeting, day_of(second_meeting) + datetime.timedelta(days=7)
            version = services.workflow_create(
                actor=coordinator,
                title=title,
                version_data={
                    "trigger": trigger,
                    "summary": summary,
                    "valid_from": v1_day,
                    "decided_in": v1_meeting,
                    "decided_item": item_of(v1_meeting),
                    "change_note": "Erste Fassung" if v1_meeting else "Erste Fassung (aus der Arbeitshilfe 2024)",
                },
                steps=steps_of(steps_v1),
                today=today,
            )
            _backdate(version, v1_meeting, v1_day)
            if second is not None and second_meeting is not None:
                change_note, steps_v2 = second
                # One change applies only from next month: decided now, valid later.
                v2_day = day_of(second_meeting) + datetime.timedelta(days=7 if index else 45)
                version = services.workflow_version_create(
                    actor=coordinator,
                    workflow=version.workflow,
                    version_data={
                        "trigger": trigger,
                        "summary": summary,
                        "valid_from": max(v2_day, v1_day),
                        "decided_in": second_meeting,
                        "decided_item": item_of(second_meeting),
                        "change_note": change_note,
                    },
                    steps=steps_of(steps_v2),
                    today=today,
                )
                _backdate(version, second_meeting, v2_day)
            created += 1
    return created


def _backdate(version, meeting, valid_from) -> None:
    """Recorded on the day of the decision (or the day it applied), not on the day the demo was loaded."""
    if meeting is not None:
        at = meeting.ends_at
    else:
        at = datetime.datetime.combine(valid_from, datetime.time(12), tzinfo=timezone.get_current_timezone())
    WorkflowVersion.objects.filter(pk=version.pk).update(created_at=min(at, timezone.now()))
