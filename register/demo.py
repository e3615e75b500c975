"""Demo departments and other actors (called by `seed_demo` before the meetings; idempotent).

The demo county-staff login `kreis` works in the Soziales department (it records that department's assessments
in the Aktionsplan round). Addresses are fictional (example.org).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .models import Actor, Department

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
