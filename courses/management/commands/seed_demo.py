"""Load the demo district: the 15 real municipalities, fictional providers, venues, courses, free-places
reports and the demo logins (DESIGN.md, "Outside contracts").

Idempotent: everything is looked up by its natural key (ARS, provider name, provider + venue name, provider +
course title, username) and updated in place, so a second run gives the same counts. Dates are relative to
today; free-places reports are only written for a course that has none yet, so re-runs never pile them up.

Demo content is attached only to fictional providers (`"real": false` in courses/data/diepholz.json) and to
the fictional "Volkshochschule Hunte-Weser (Demo)": never to a real organisation.
"""

from __future__ import annotations

import datetime
import json
import math
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from courses.domain import COURSE_TYPE_DEFAULTS, CourseType, Level, target_group_defaults
from courses.models import Course, Membership, Municipality, PlaceReport, Provider, Venue
from diepholz_coord import access

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "diepholz.json"
DEMO_PASSWORD = "diepholz"  # noqa: S105 - documented demo password (DESIGN.md), demo data only
SEED = 2026

DEMO_VHS_NAME = "Volkshochschule Hunte-Weser (Demo)"
LERNHAUS_NAME = "Lernhaus Dümmer gGmbH"

# JSON provider kind → Provider.Kind
KIND_MAP = {
    "vhs": Provider.Kind.VHS,
    "private": Provider.Kind.EDUCATION,
    "charity": Provider.Kind.CHARITY,
    "volunteer": Provider.Kind.VOLUNTEER,
    "community": Provider.Kind.VOLUNTEER,
}


@cache
def reference_data() -> dict[str, Any]:
    """Municipalities and providers copied from the domain research (see courses/data/README.md)."""
    with DATA_FILE.open(encoding="utf-8") as f:
        return json.load(f)


def load_municipalities() -> dict[str, Municipality]:
    """Create or update the county's 15 municipalities; returns them by name."""
    result = {}
    for row in reference_data()["municipalities"]:
        municipality, _created = Municipality.objects.update_or_create(
            ars=row["ars"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "seat_lat": f"{row['lat']:.6f}",
                "seat_lon": f"{row['lon']:.6f}",
                "population": row["population"],
            },
        )
        result[municipality.name] = municipality
    return result


# --- Providers ---------------------------------------------------------------------------------------------

# Short key → provider name. Every name except the demo VHS must be a fictional provider of the JSON.
PROVIDERS = {
    "vhs": DEMO_VHS_NAME,
    "hunte": "Sprachinstitut Hunte gGmbH",
    "sulinger": "Bildungsforum Sulinger Land e.V.",
    "weserbogen": "Weserbogen Akademie GmbH",
    "lernhaus": LERNHAUS_NAME,
    "kompass": "Kompass Sprachschule Stuhr",
    "mbe": "Migrationsberatung Nordkreis (MBE, Demo)",
    "jmd": "Jugendmigrationsdienst Südkreis (Demo)",
    "bruvi": "Sprachtreff Bruchhausen-Vilsen e.V.",
    "kirchdorf": "Frauen-Sprachcafé Kirchdorf",
    "rehden": "Internationaler Treff Rehden",
    "siedenburg": "Begegnungscafé Siedenburg",
    "schwafoerden": "Nachbarschaftshilfe Schwaförden e.V.",
    "wagenfeld": "Sprachpaten Wagenfeld",
}

# Fictional contacts: provider key → (contact person, e-mail).
CONTACTS = {
    "vhs": ("Monika Hartje", "kontakt@vhs-hunte-weser.example.org"),
    "hunte": ("Stefan Kruse", "kontakt@sprachinstitut-hunte.example.org"),
    "sulinger": ("Petra Lange", "kontakt@bildungsforum-sulinger-land.example.org"),
    "weserbogen": ("Martin Ahlers", "kontakt@weserbogen-akademie.example.org"),
    "lernhaus": ("Heike Stöver", "kontakt@lernhaus-duemmer.example.org"),
    "kompass": ("Nadine Behrens", "kontakt@kompass-sprachschule.example.org"),
    "mbe": ("Olga Schmidt", "kontakt@mbe-nordkreis.example.org"),
    "jmd": ("Tobias Wendt", "kontakt@jmd-suedkreis.example.org"),
    "bruvi": ("Gerd Bischoff", "kontakt@sprachtreff-bruvi.example.org"),
    "kirchdorf": ("Renate Kampen", "kontakt@frauen-sprachcafe-kirchdorf.example.org"),
    "rehden": ("Ursula Thiele", "kontakt@treff-rehden.example.org"),
    "siedenburg": ("Hans-Jürgen Otten", "kontakt@begegnungscafe-siedenburg.example.org"),
    "schwafoerden": ("Karin Meyer", "kontakt@nachbarschaftshilfe-schwafoerden.example.org"),
    "wagenfeld": ("Bernd Wilkens", "kontakt@sprachpaten-wagenfeld.example.org"),
}


# --- Venues ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VenueSpec:
    key: str
    provider: str
    name: str
    street: str
    postcode: str
    town: str
    municipality: str
    accessible: bool
    childcare_on_site: bool
    transport_note: str


# Fictional street addresses; rail only on the Osnabrück–Bremen line (RE 9; RS 2 from Twistringen north).
VENUES = [
    VenueSpec(
        "vhs_syke", "vhs", "VHS-Haus Syke", "Lindenstraße 12", "28857", "Syke", "Syke", True, False,
        "Bahnhof Syke (RE 9, RS 2) ca. 5 Minuten zu Fuß",
    ),
    VenueSpec(
        "vhs_bassum", "vhs", "VHS-Lernort Bassum", "Am Mühlenteich 3", "27211", "Bassum", "Bassum", True, False,
        "Bahnhof Bassum (RE 9, RS 2) ca. 10 Minuten zu Fuß",
    ),
    VenueSpec(
        "vhs_weyhe", "vhs", "VHS-Außenstelle Kirchweyhe", "Bahnhofsplatz 2", "28844", "Weyhe-Kirchweyhe",
        "Weyhe", False, False, "Gegenüber dem Bahnhof Kirchweyhe (RE 9, RS 2)",
    ),
    VenueSpec(
        "vhs_stuhr", "vhs", "VHS-Außenstelle Brinkum", "Kirchstraße 18", "28816", "Stuhr-Brinkum", "Stuhr",
        True, False, "Bus (VBN) Richtung Bremen, Haltestelle ca. 2 Minuten; kein Bahnanschluss",
    ),
    VenueSpec(
        "vhs_twist", "vhs", "VHS-Kursraum Twistringen", "Schulstraße 9", "27239", "Twistringen", "Twistringen",
        False, False, "Bahnhof Twistringen (RE 9, RS 2) ca. 8 Minuten zu Fuß; Buslinie 125",
    ),
    VenueSpec(
        "vhs_barnstorf", "vhs", "VHS-Kursraum Barnstorf", "Wiesenweg 4", "49406", "Barnstorf", "Barnstorf",
        True, True, "Bahnhof Barnstorf (RE 9) ca. 6 Minuten zu Fuß; Buslinie 125",
    ),
    VenueSpec(
        "hunte_diepholz", "hunte", "Lernzentrum Diepholz", "Moorstraße 27", "49356", "Diepholz", "Diepholz",
        True, False, "Bahnhof Diepholz (RE 9) ca. 7 Minuten zu Fuß; Buslinie 125",
    ),
    VenueSpec(
        "hunte_rehden", "hunte", "Kursraum Rehden", "Am Sportplatz 6", "49453", "Rehden", "Rehden",
        False, False, "Nur Bus (VBN) Richtung Diepholz; kein Bahnanschluss",
    ),
    VenueSpec(
        "sul_sulingen", "sulinger", "Haus am Markt Sulingen", "Marktweg 5", "27232", "Sulingen", "Sulingen",
        True, True, "Kein Bahnanschluss; Regionalbusse (VBN), Busbahnhof ca. 5 Minuten zu Fuß",
    ),
    VenueSpec(
        "sul_schwafoerden", "sulinger", "Außenstelle Schwaförden", "Dorfstraße 14", "27252", "Schwaförden",
        "Schwaförden", False, False, "Nur Bus (VBN), am Vormittag wenige Fahrten; kein Bahnanschluss",
    ),
    VenueSpec(
        "wb_leeste", "weserbogen", "Weserbogen Akademie Leeste", "Gewerbering 8", "28844", "Weyhe-Leeste",
        "Weyhe", True, False, "Bus (VBN) Richtung Bremen und zum Bahnhof Kirchweyhe (RE 9, RS 2)",
    ),
    VenueSpec(
        "wb_syke", "weserbogen", "Seminarraum Syke", "Bahnhofstraße 41", "28857", "Syke", "Syke", True, False,
        "Bahnhof Syke (RE 9, RS 2) ca. 3 Minuten zu Fuß",
    ),
    VenueSpec(
        "lh_lemfoerde", "lernhaus", "Lernhaus Dümmer Lemförde", "Am Dümmerblick 2", "49448", "Lemförde",
        "Altes Amt Lemförde", True, True, "Bahnhof Lemförde (RE 9) ca. 10 Minuten zu Fuß",
    ),
    VenueSpec(
        "lh_wagenfeld", "lernhaus", "Lernhaus Dümmer – Familienraum Wagenfeld", "Birkenallee 11", "49419",
        "Wagenfeld", "Wagenfeld", True, True, "Nur Bus (VBN) Richtung Diepholz; kein Bahnanschluss",
    ),
    VenueSpec(
        "kompass_brinkum", "kompass", "Kompass Sprachschule Brinkum", "Industriestraße 21", "28816",
        "Stuhr-Brinkum", "Stuhr", True, False, "Bus (VBN) Richtung Bremen, Haltestelle ca. 2 Minuten",
    ),
    VenueSpec(
        "mbe_bassum", "mbe", "Beratungsstelle Bassum", "Poststraße 7", "27211", "Bassum", "Bassum", True, False,
        "Bahnhof Bassum (RE 9, RS 2) ca. 5 Minuten zu Fuß",
    ),
    VenueSpec(
        "jmd_sulingen", "jmd", "Jugendtreff Sulingen", "Lange Straße 30", "27232", "Sulingen", "Sulingen",
        False, False, "Kein Bahnanschluss; Regionalbusse (VBN), Busbahnhof ca. 8 Minuten zu Fuß",
    ),
    VenueSpec(
        "bruvi_treff", "bruvi", "Sprachtreff Vilsen", "Brückenstraße 3", "27305", "Bruchhausen-Vilsen",
        "Bruchhausen-Vilsen", True, False, "Bus (VBN) Richtung Syke (RE 9, RS 2); kein Bahnanschluss",
    ),
    VenueSpec(
        "kirchdorf_dgh", "kirchdorf", "Dorfgemeinschaftshaus Kirchdorf", "Zum Lindenhof 1", "27245",
        "Kirchdorf", "Kirchdorf", True, True, "Nur Bus (VBN) Richtung Sulingen; kein Bahnanschluss",
    ),
    VenueSpec(
        "rehden_treff", "rehden", "Treffpunkt Rehden", "Hauptstraße 52", "49453", "Rehden", "Rehden", True,
        False, "Nur Bus (VBN) Richtung Diepholz; kein Bahnanschluss",
    ),
    VenueSpec(
        "siedenburg_cafe", "siedenburg", "Begegnungscafé im alten Schulhaus", "Schulweg 2", "27254",
        "Siedenburg", "Siedenburg", False, False, "Nur Bus (VBN) Richtung Sulingen; kein Bahnanschluss",
    ),
    VenueSpec(
        "schwafoerden_treff", "schwafoerden", "Nachbarschaftstreff Schwaförden", "Kirchweg 6", "27252",
        "Schwaförden", "Schwaförden", True, True, "Nur Bus (VBN), wenige Fahrten; kein Bahnanschluss",
    ),
    VenueSpec(
        "wagenfeld_raum", "wagenfeld", "Sprachpaten-Raum Wagenfeld", "Mühlenstraße 15", "49419", "Wagenfeld",
        "Wagenfeld", False, False, "Nur Bus (VBN) Richtung Diepholz; kein Bahnanschluss",
    ),
]  # fmt: skip


# --- Courses -----------------------------------------------------------------------------------------------

# Time slot → (from, to, teaching units per day). A teaching unit (UE) is 45 minutes.
SLOTS = {
    "morning": (datetime.time(8, 30), datetime.time(12, 45), 5),
    "parents": (datetime.time(9, 0), datetime.time(12, 15), 4),
    "afternoon": (datetime.time(13, 30), datetime.time(16, 45), 4),
    "evening": (datetime.time(18, 0), datetime.time(21, 15), 4),
    "saturday": (datetime.time(9, 30), datetime.time(12, 45), 4),
    "cafe": (datetime.time(15, 0), datetime.time(17, 0), 0),
    "cafe_evening": (datetime.time(18, 0), datetime.time(20, 0), 0),
}

MON_FRI = (0, 1, 2, 3, 4)
MON_THU = (0, 1, 2, 3)

S = Course.Status
T = CourseType
L = Level

IK_TARGET = "Neu Zugewanderte mit Berechtigung, Verpflichtung oder Zulassung (BAMF)"
LAND_TARGET = "Geflüchtete unabhängig von Aufenthaltsstatus und Herkunftsland"
COUNTY_TARGET = "Erwachsene in der Wartezeit auf einen Integrationskurs"
CAFE_TARGET = "Alle, die Deutsch üben möchten – ohne Anmeldung"
JOB_TARGET = "Arbeitsuchende und Beschäftigte (Jobcenter, Agentur für Arbeit oder BAMF)"


@dataclass(frozen=True)
class CourseSpec:
    provider: str
    venue: str | None
    title: str
    course_type: str
    # ("start", days) or ("end", days) relative to today; the other end follows from units and weekly hours.
    anchor: tuple[str, int]
    status: str
    weekdays: tuple[int, ...] = MON_FRI
    slot: str = "morning"
    levels: tuple[int, int] | None = None
    childcare: bool = False
    target_group: str = IK_TARGET
    report: str = "fresh"  # for bookable courses: "fresh", "stale" (> STALE_REPORT_DAYS) or "none"
    cancel_reason: str = ""
    weeks: int | None = None  # length of courses without teaching units (language cafés)
    municipality: str | None = None  # for online courses without a venue
    # Target group as data where the course deviates from its type's defaults (courses.domain).
    target: tuple[tuple[str, object], ...] = ()


COURSES = [
    # Volkshochschule Hunte-Weser (Demo): integration, Land and county courses across the north.
    CourseSpec("vhs", "vhs_syke", "Integrationskurs Syke – Vormittag", T.IK_ALLG, ("start", -120), S.RUNNING),
    CourseSpec(
        "vhs", "vhs_bassum", "Integrationskurs Bassum – Nachmittag", T.IK_ALLG, ("start", 6), S.OPEN,
        weekdays=(0, 2, 3), slot="afternoon",
    ),
    CourseSpec(
        "vhs", "vhs_weyhe", "Alphabetisierungskurs Kirchweyhe", T.IK_ALPHA, ("start", -90), S.RUNNING,
        report="stale",
    ),
    CourseSpec(
        "vhs", "vhs_syke", "Basissprachkurs A1 Syke – Abendkurs", T.NDS_BASIS, ("end", 12), S.RUNNING,
        weekdays=(0, 2), slot="evening", levels=(L.A1, L.A2), target_group=LAND_TARGET,
    ),
    CourseSpec(
        "vhs", "vhs_twist", "Basissprachkurs A2 Twistringen", T.NDS_BASIS, ("start", 3), S.OPEN,
        weekdays=MON_THU, levels=(L.A2, L.B1), target_group=LAND_TARGET,
    ),
    CourseSpec(
        "vhs", "vhs_syke", "Wiederholerkurs B1 Syke", T.IK_WIED, ("start", 38), S.PLANNED, report="stale",
    ),
    CourseSpec(
        "vhs", "vhs_stuhr", "Orientierungskurs Brinkum", T.OK, ("end", 8), S.RUNNING, weekdays=(1, 3),
        slot="afternoon",
    ),
    CourseSpec(
        "vhs", "vhs_barnstorf", "Erstorientierungskurs Barnstorf", T.EOK, ("start", -40), S.RUNNING,
        weekdays=MON_THU, childcare=True, target_group="Asylsuchende ohne Zugang zum Integrationskurs",
        report="stale",
    ),
    CourseSpec(
        "vhs", "vhs_twist", "Deutsch für den Alltag Twistringen", T.LK_NIEDRIG, ("start", -30), S.RUNNING,
        weekdays=(1, 3), slot="afternoon", levels=(L.ALPHA, L.A1), target_group=COUNTY_TARGET,
    ),
    CourseSpec(
        "vhs", "vhs_syke", "Integrationskurs Syke – Abendkurs (Vorjahr)", T.IK_ALLG, ("end", -45), S.FINISHED,
        weekdays=(0, 1, 3), slot="evening",
    ),
    CourseSpec(
        "vhs", "vhs_bassum", "Basissprachkurs A1 Bassum (Frühjahr)", T.NDS_BASIS, ("end", -80), S.FINISHED,
        weekdays=MON_THU, levels=(L.A1, L.A2), target_group=LAND_TARGET,
    ),
    CourseSpec(
        "vhs", "vhs_weyhe", "Zweitschriftlernerkurs Kirchweyhe", T.IK_ZSL, ("start", 10), S.CANCELLED,
        cancel_reason="Zu wenige Anmeldungen: Mindestteilnehmerzahl nicht erreicht. Neuer Termin im Frühjahr.",
    ),
    # Sprachinstitut Hunte gGmbH (Diepholz): integration courses incl. literacy and youth courses.
    CourseSpec("hunte", "hunte_diepholz", "Alphabetisierungskurs Diepholz", T.IK_ALPHA, ("start", -150), S.RUNNING),
    CourseSpec(
        "hunte", "hunte_diepholz", "Jugendintegrationskurs Diepholz", T.IK_JUGEND, ("start", 5), S.OPEN,
        target_group="Junge Erwachsene unter 27 Jahren, nicht mehr schulpflichtig",
    ),
    CourseSpec(
        "hunte", "hunte_diepholz", "Integrationskurs Diepholz – Vormittag", T.IK_ALLG, ("end", 20), S.RUNNING,
        report="stale",
    ),
    CourseSpec(
        "hunte", "hunte_diepholz", "Förderkurs Diepholz", T.IK_FOERDER, ("start", 60), S.PLANNED,
        target_group="Teilnehmende mit besonderem Förderbedarf", report="none",
    ),
    CourseSpec(
        "hunte", "hunte_rehden", "Integrationskurs Rehden – Nachmittag", T.IK_ALLG, ("start", -70), S.RUNNING,
        weekdays=(0, 1, 3), slot="afternoon",
    ),
    CourseSpec(
        "hunte", "hunte_diepholz", "Alphabetisierungskurs Diepholz (Vorjahr)", T.IK_ALPHA, ("end", -20),
        S.FINISHED,
    ),
    CourseSpec(
        "hunte", "hunte_rehden", "Erstorientierungskurs Rehden", T.EOK, ("start", -5), S.CANCELLED,
        weekdays=MON_THU, target_group="Asylsuchende ohne Zugang zum Integrationskurs",
        cancel_reason="Lehrkraft langfristig erkrankt, keine Vertretung gefunden.",
    ),
    # Bildungsforum Sulinger Land e.V.: integration courses and Land basic courses in the south-east.
    CourseSpec("sulinger", "sul_sulingen", "Integrationskurs Sulingen", T.IK_ALLG, ("start", -60), S.RUNNING),
    CourseSpec(
        "sulinger", "sul_sulingen", "Basissprachkurs A1 Sulingen", T.NDS_BASIS, ("start", 2), S.OPEN,
        weekdays=MON_THU, levels=(L.A1, L.A2), target_group=LAND_TARGET,
    ),
    CourseSpec(
        "sulinger", "sul_sulingen", "Basissprachkurs A2 Sulingen", T.NDS_BASIS, ("end", 5), S.RUNNING,
        weekdays=MON_THU, levels=(L.A2, L.B1), target_group=LAND_TARGET, report="stale",
    ),
    CourseSpec(
        "sulinger", "sul_sulingen", "Elternintegrationskurs Sulingen", T.IK_ELTERN, ("start", -100), S.RUNNING,
        slot="parents", childcare=True, target_group="Mütter und Väter mit Kindern im Kita-Alter",
    ),
    CourseSpec(
        "sulinger", "sul_sulingen", "Basissprachkurs Alpha Sulingen", T.NDS_BASIS, ("start", 32), S.OPEN,
        weekdays=MON_THU, levels=(L.ALPHA, L.A1), target_group=LAND_TARGET,
    ),
    CourseSpec(
        "sulinger", "sul_schwafoerden", "Basissprachkurs A1 Schwaförden", T.NDS_BASIS, ("start", -12),
        S.CANCELLED, weekdays=(0, 2), slot="afternoon", levels=(L.A1, L.A2), target_group=LAND_TARGET,
        cancel_reason="Zu wenige Anmeldungen; vormittags keine passende Busverbindung nach Schwaförden.",
    ),
    CourseSpec(
        "sulinger", "sul_sulingen", "Integrationskurs Sulingen (Vorjahr)", T.IK_ALLG, ("end", -100), S.FINISHED,
    ),
    # Weserbogen Akademie GmbH (Weyhe): job-related courses (Berufssprachkurse).
    CourseSpec(
        "weserbogen", "wb_leeste", "Berufssprachkurs B2 Leeste", T.BSK_B2, ("start", -50), S.RUNNING,
        weekdays=MON_THU, target_group=JOB_TARGET,
    ),
    CourseSpec(
        "weserbogen", "wb_leeste", "Berufssprachkurs C1 Leeste – Abendkurs", T.BSK_C1, ("start", 7), S.OPEN,
        weekdays=(0, 2, 3), slot="evening", target_group=JOB_TARGET,
    ),
    CourseSpec(
        "weserbogen", "wb_syke", "Deutsch für Pflegeberufe Syke", T.BSK_FACH, ("end", 17), S.RUNNING,
        weekdays=(1, 3), slot="afternoon", target_group="Pflegekräfte und Auszubildende in der Pflege",
    ),
    CourseSpec(
        "weserbogen", "wb_leeste", "Anerkennungskurs Gesundheitsberufe", T.BSK_ANERK, ("start", 75), S.PLANNED,
        target_group="Ärztinnen, Ärzte und Pflegefachkräfte im Anerkennungsverfahren", report="none",
    ),
    CourseSpec(
        "weserbogen", "wb_syke", "Berufssprachkurs B1 Syke", T.BSK_B1, ("start", -35), S.RUNNING,
        weekdays=MON_THU, target_group="Nach dem Integrationskurs ohne B1-Zertifikat", report="stale",
    ),
    CourseSpec(
        "weserbogen", "wb_leeste", "Berufssprachkurs B2 Leeste (Vorjahr)", T.BSK_B2, ("end", -30), S.FINISHED,
        weekdays=MON_THU, target_group=JOB_TARGET,
    ),
    CourseSpec(
        "weserbogen", "wb_syke", "Berufssprachkurs A2 Syke", T.BSK_A2, ("end", -150), S.FINISHED,
        weekdays=MON_THU, target_group="Nach dem Integrationskurs mit A2",
    ),
    # Lernhaus Dümmer gGmbH (Lemförde): women's and parents' courses with childcare.
    CourseSpec(
        "lernhaus", "lh_lemfoerde", "Frauenintegrationskurs Lemförde", T.IK_FRAUEN, ("start", -80), S.RUNNING,
        slot="parents", childcare=True, target_group="Frauen, auch mit Kleinkindern",
    ),
    CourseSpec(
        "lernhaus", "lh_wagenfeld", "Elternintegrationskurs Wagenfeld", T.IK_ELTERN, ("start", 4), S.OPEN,
        slot="parents", childcare=True, target_group="Mütter und Väter mit Kindern unter 6 Jahren",
    ),
    CourseSpec(
        "lernhaus", "lh_wagenfeld", "Frauenintegrationskurs Wagenfeld", T.IK_FRAUEN, ("start", 45), S.PLANNED,
        slot="parents", childcare=True, target_group="Frauen, auch mit Kleinkindern", report="stale",
    ),
    CourseSpec(
        "lernhaus", "lh_lemfoerde", "Elternintegrationskurs Lemförde", T.IK_ELTERN, ("end", 14), S.RUNNING,
        slot="parents", childcare=True, target_group="Mütter und Väter mit Kindern im Kita-Alter",
    ),
    CourseSpec(
        "lernhaus", "lh_lemfoerde", "Deutsch für Mütter – Einstieg", T.LK_NIEDRIG, ("start", -21), S.RUNNING,
        weekdays=(1, 3), slot="parents", levels=(L.ALPHA, L.A1), childcare=True,
        target_group="Mütter in der Wartezeit auf einen Integrationskurs",
        target=(("women_only", True), ("parents_only", True)),
    ),
    CourseSpec(
        "lernhaus", "lh_lemfoerde", "Frauenintegrationskurs Lemförde (Vorjahr)", T.IK_FRAUEN, ("end", -60),
        S.FINISHED, slot="parents", childcare=True, target_group="Frauen, auch mit Kleinkindern",
    ),
    # Kompass Sprachschule Stuhr: intensive and online integration courses.
    CourseSpec(
        "kompass", "kompass_brinkum", "Intensivkurs Brinkum", T.IK_INTENSIV, ("end", 3), S.RUNNING,
        target_group="Schnell Lernende mit Prognose B1 im Einstufungstest",
    ),
    CourseSpec(
        "kompass", None, "Online-Integrationskurs – Abend", T.IK_ALLG, ("start", -40), S.RUNNING,
        weekdays=MON_THU, slot="evening", municipality="Stuhr",
        target_group="Berufstätige mit Berechtigung oder Zulassung (BAMF), online",
    ),
    CourseSpec(
        "kompass", "kompass_brinkum", "Intensivkurs Brinkum – Herbst", T.IK_INTENSIV, ("start", 7), S.OPEN,
        target_group="Schnell Lernende mit Prognose B1 im Einstufungstest",
    ),
    CourseSpec(
        "kompass", None, "Online-Integrationskurs – Vormittag", T.IK_ALLG, ("start", 28), S.OPEN,
        municipality="Stuhr", target_group="Neu Zugewanderte mit Berechtigung oder Zulassung, online",
        report="stale",
    ),
    CourseSpec(
        "kompass", "kompass_brinkum", "Studienvorbereitung Deutsch intensiv", T.NDS_IHF, ("start", -60),
        S.RUNNING, target_group="Geflüchtete mit Studienwunsch (Hochschulzugang)",
    ),
    CourseSpec(
        "kompass", "kompass_brinkum", "Intensivkurs Brinkum (Frühjahr)", T.IK_INTENSIV, ("end", -90),
        S.FINISHED, target_group="Schnell Lernende mit Prognose B1 im Einstufungstest",
    ),
    # Counselling services and volunteer groups: low-threshold courses and language cafés.
    CourseSpec(
        "mbe", "mbe_bassum", "Deutsch im Alltag – Einstieg Bassum", T.LK_NIEDRIG, ("start", -14), S.RUNNING,
        weekdays=(0, 2), slot="afternoon", levels=(L.PRE_A1, L.A1), target_group=COUNTY_TARGET,
    ),
    CourseSpec(
        "jmd", "jmd_sulingen", "Sprachcafé für junge Leute", T.SPRACHCAFE, ("start", -60), S.RUNNING,
        weekdays=(2,), slot="cafe", levels=(L.A1, L.B1), weeks=30, target_group="Junge Menschen von 12 bis 27",
        target=(("age_min", 12), ("age_max", 27)),
    ),
    CourseSpec(
        "bruvi", "bruvi_treff", "Sprachcafé Bruchhausen-Vilsen", T.SPRACHCAFE, ("start", -90), S.RUNNING,
        weekdays=(1,), slot="cafe_evening", weeks=40, target_group=CAFE_TARGET,
    ),
    CourseSpec(
        "bruvi", "bruvi_treff", "Deutsch lernen mit Paten Vilsen", T.LK_NIEDRIG, ("start", -45), S.RUNNING,
        weekdays=(3,), slot="afternoon", levels=(L.ALPHA, L.A1), target_group=COUNTY_TARGET, report="stale",
    ),
    CourseSpec(
        "kirchdorf", "kirchdorf_dgh", "Frauen-Sprachcafé Kirchdorf", T.SPRACHCAFE, ("start", -100), S.RUNNING,
        weekdays=(3,), slot="cafe", weeks=40, childcare=True, target_group="Frauen, Kinder willkommen",
        target=(("women_only", True),),
        report="stale",
    ),
    CourseSpec(
        "rehden", "rehden_treff", "Internationaler Sprachtreff Rehden", T.SPRACHCAFE, ("start", -30), S.RUNNING,
        weekdays=(4,), slot="cafe", weeks=26, target_group=CAFE_TARGET,
    ),
    CourseSpec(
        "siedenburg", "siedenburg_cafe", "Begegnungscafé Siedenburg", T.SPRACHCAFE, ("start", -20), S.RUNNING,
        weekdays=(5,), slot="cafe", weeks=26, target_group=CAFE_TARGET, report="none",
    ),
    CourseSpec(
        "schwafoerden", "schwafoerden_treff", "Sprachcafé Schwaförden", T.SPRACHCAFE, ("start", 6), S.OPEN,
        weekdays=(1,), slot="cafe", weeks=20, childcare=True, target_group=CAFE_TARGET,
    ),
    CourseSpec(
        "wagenfeld", "wagenfeld_raum", "Deutsch mit Sprachpaten Wagenfeld", T.LK_NIEDRIG, ("end", 24),
        S.RUNNING, weekdays=(0, 3), slot="afternoon", levels=(L.ALPHA, L.A1), target_group=COUNTY_TARGET,
    ),
    CourseSpec(
        "wagenfeld", "wagenfeld_raum", "Sommer-Sprachcafé Wagenfeld", T.SPRACHCAFE, ("end", -70), S.FINISHED,
        weekdays=(2,), slot="cafe", weeks=10, target_group=CAFE_TARGET,
    ),
    # Follow-up courses that began a few weeks after a finished course ended: most of its people moved on to
    # them (participants/demo.py). Kept at the end, so the courses above draw the same random numbers.
    CourseSpec(
        "weserbogen", "wb_syke", "Berufssprachkurs B2 Syke – Abendkurs", T.BSK_B2, ("start", -33), S.RUNNING,
        weekdays=MON_THU, slot="evening", target_group=JOB_TARGET,
    ),
    CourseSpec(
        "weserbogen", "wb_syke", "Berufssprachkurs B1 Syke – Sommerkurs", T.BSK_B1, ("start", -140), S.RUNNING,
        weekdays=MON_THU, target_group="Nach dem Integrationskurs ohne B1-Zertifikat",
    ),
    CourseSpec(
        "sulinger", "sul_sulingen", "Berufssprachkurs B2 Sulingen", T.BSK_B2, ("start", -88), S.RUNNING,
        target_group=JOB_TARGET,
    ),
    CourseSpec(
        "sulinger", "sul_sulingen", "Wiederholerkurs Sulingen", T.IK_WIED, ("start", -86), S.RUNNING,
        weekdays=MON_THU, target_group="Nach dem Integrationskurs mit A2",
    ),
    CourseSpec(
        "hunte", "hunte_diepholz", "Berufssprachkurs B1 Diepholz", T.BSK_B1, ("start", -6), S.RUNNING,
        weekdays=MON_THU, slot="afternoon", target_group="Nach dem Integrationskurs ohne B1-Zertifikat",
    ),
    CourseSpec(
        "kompass", "kompass_brinkum", "Wiederholerkurs Brinkum", T.IK_WIED, ("start", -80), S.RUNNING,
        target_group="Nach dem Integrationskurs mit A2",
    ),
    CourseSpec(
        "kompass", "kompass_brinkum", "Berufssprachkurs B2 Brinkum", T.BSK_B2, ("start", -76), S.RUNNING,
        target_group=JOB_TARGET,
    ),
]  # fmt: skip

REPORT_NOTES = [
    "",
    "",
    "",
    "Zwei Nachrückende von der Warteliste aufgenommen.",
    "Anmeldungen über das Jobcenter erwartet.",
    "Eine Teilnehmerin ist weggezogen.",
    "Stand nach dem Einstufungstest.",
]

# --- Demo users --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    email: str
    label: str
    group: str | None = None
    provider: str | None = None
    role: str | None = None
    superuser: bool = False


USERS = [
    UserSpec(
        "koordination", "Sabine", "Brinkmann", "sabine.brinkmann@example.org",
        "Koordination (Sprachförderkoordination, Admin)", group=access.COORDINATOR_GROUP, superuser=True,
    ),
    UserSpec(
        "kreis", "Thomas", "Wiegmann", "thomas.wiegmann@example.org", "Kreisverwaltung",
        group=access.COUNTY_STAFF_GROUP,
    ),
    UserSpec(
        "vhs", "Monika", "Hartje", "monika.hartje@example.org", "Träger-Admin", provider="vhs",
        role=Membership.Role.ADMIN,
    ),
    UserSpec(
        "vhs-kurs", "Jan", "Rohlfs", "jan.rohlfs@example.org", "Träger-Mitarbeiter", provider="vhs",
        role=Membership.Role.STAFF,
    ),
    UserSpec(
        "lernhaus", "Heike", "Stöver", "heike.stoever@example.org", "Träger-Admin", provider="lernhaus",
        role=Membership.Role.ADMIN,
    ),
]  # fmt: skip


# --- Helpers -----------------------------------------------------------------------------------------------


def _on_or_after(day: datetime.date, weekdays: tuple[int, ...]) -> datetime.date:
    while day.weekday() not in weekdays:
        day += datetime.timedelta(days=1)
    return day


def _on_or_before(day: datetime.date, weekdays: tuple[int, ...]) -> datetime.date:
    while day.weekday() not in weekdays:
        day -= datetime.timedelta(days=1)
    return day


def course_dates(spec: CourseSpec, units: int | None, today: datetime.date) -> tuple[datetime.date, ...]:
    """Start and end from the anchor, the teaching units and the weekly hours (plus holiday weeks)."""
    ue_per_day = SLOTS[spec.slot][2]
    if spec.weeks:
        weeks = spec.weeks
    else:
        weeks = math.ceil(units / (len(spec.weekdays) * ue_per_day))
        weeks += weeks // 8  # school holidays
    kind, offset = spec.anchor
    anchor = today + datetime.timedelta(days=offset)
    if kind == "start":
        start = _on_or_after(anchor, spec.weekdays)
        end = _on_or_before(start + datetime.timedelta(weeks=weeks, days=-1), spec.weekdays)
    else:
        end = _on_or_after(anchor, spec.weekdays)
        start = _on_or_after(end - datetime.timedelta(weeks=weeks, days=-1), spec.weekdays)
    return start, end


def _aware(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def plan_reports(
    rng: random.Random, course: Course, report: str, now: datetime.datetime
) -> list[tuple[datetime.datetime, int]]:
    """(reported_at, free places) oldest first. Draws the same random numbers whatever the outcome."""
    count = rng.randint(1, 4)
    fresh_age = rng.randint(0, 9)
    stale_age = rng.randint(settings.STALE_REPORT_DAYS + 2, 50)
    gaps = [rng.randint(5, 21) for _ in range(count)]
    extras = [rng.randint(0, 3) for _ in range(count)]
    hour, minute = rng.randint(8, 16), rng.choice([0, 10, 15, 20, 30, 40, 45, 50])
    cap = course.capacity
    running = rng.randint(0, min(4, cap))
    opening = rng.randint(2, min(12, cap))
    planned = rng.randint(cap // 2, cap)
    finished = rng.randint(0, 2)

    today = timezone.localdate(now)
    if course.status == Course.Status.CANCELLED:
        return []
    if course.status == Course.Status.FINISHED:
        newest = min(course.end_date - datetime.timedelta(days=gaps[0]), today)
        free = min(finished, cap)
        count = min(count, 2)
    else:
        if report == "none":
            return []
        newest = today - datetime.timedelta(days=fresh_age if report == "fresh" else stale_age)
        free = {Course.Status.RUNNING: running, Course.Status.OPEN: opening}.get(course.status, planned)
    reports = []
    day = newest
    for i in range(count):
        at = _aware(day, hour, minute)
        if at > now:  # a report made today, earlier than this hour
            at = now - datetime.timedelta(minutes=5 * (i + 1))
        reports.append((at, free))
        day -= datetime.timedelta(days=gaps[i])
        free = min(cap, free + extras[i])
    return list(reversed(reports))


# --- Command -----------------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Create or update the demo district (idempotent): municipalities, providers, courses, demo logins."

    def handle(self, *args, **options):
        # The demo's history is invented: its audit trail starts with what people do in it.
        with transaction.atomic(), disable_auditlog():
            self.seed()
        self.print_summary()

    def seed(self) -> None:
        rng = random.Random(SEED)
        today = timezone.localdate()
        now = timezone.now()
        municipalities = load_municipalities()
        providers = self.seed_providers(municipalities)
        users = self.seed_users(providers)
        venues = self.seed_venues(providers, municipalities)
        self.seed_courses(rng, today, now, providers, venues, municipalities, users)
        # Fictional participants with enrollments, consents and course wishes (participants/demo.py).
        from participants.demo import seed_participants

        seed_participants(random.Random(SEED), today=today)
        # Handovers in every status, some overdue (transitions/demo.py).
        from transitions.demo import seed_handovers

        seed_handovers(random.Random(SEED), today=today)
        # The county's departments and other actors (register/demo.py): owners of workflow steps and measures.
        from register.demo import seed_departments

        seed_departments()
        # The three bodies' meeting series, a past meeting each with minutes, the next three months planned.
        from meetings.demo import seed_meetings

        seed_meetings(today=today, publish=False)
        # The Aktionsbündnis register of workflows, versions decided in its past meetings (register/demo.py).
        from register.demo import seed_workflows

        seed_workflows(today=today)
        # The Aktionsplan's developments log, assessed and with measures in its past meetings (developments/demo.py).
        from developments.demo import seed_developments

        seed_developments(today=today)
        # Agendas whose day has come are published last: their snapshot shows the seeded register and log.
        from meetings.services import agenda_publish_due

        agenda_publish_due(today=today)

    def seed_providers(self, municipalities: dict[str, Municipality]) -> dict[str, Provider]:
        by_name = {row["name"]: row for row in reference_data()["providers"]}
        by_name[DEMO_VHS_NAME] = {"kind": "vhs", "municipality": "Syke", "real": False}
        rows = {}
        for key, name in PROVIDERS.items():
            row = by_name.get(name)
            if row is None:
                raise CommandError(f"Provider {name!r} is missing from {DATA_FILE}.")
            if row["real"]:
                raise CommandError(f"{name!r} is a real organisation: demo courses must not be attached to it.")
            rows[key] = row
        result = {}
        for key, name in PROVIDERS.items():
            row = rows[key]
            contact_name, email = CONTACTS[key]
            main_venue = next((v for v in VENUES if v.provider == key), None)
            address = f"{main_venue.street}, {main_venue.postcode} {main_venue.town}" if main_venue else ""
            provider, _created = Provider.objects.update_or_create(
                name=name,
                defaults={
                    "kind": KIND_MAP[row["kind"]],
                    "municipality": municipalities[row["municipality"]],
                    "contact_name": contact_name,
                    "email": email,
                    "address": address,
                    "active": True,
                },
            )
            result[key] = provider
        return result

    def seed_users(self, providers: dict[str, Provider]) -> dict[str, Any]:
        User = get_user_model()
        result = {}
        for spec in USERS:
            user, _created = User.objects.get_or_create(
                username=spec.username,
                defaults={"first_name": spec.first_name, "last_name": spec.last_name, "email": spec.email},
            )
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            if spec.superuser:
                user.is_staff = True
                user.is_superuser = True
            user.save()
            if spec.group:
                group, _ = Group.objects.get_or_create(name=spec.group)
                user.groups.add(group)
            if spec.provider:
                Membership.objects.update_or_create(
                    user=user, provider=providers[spec.provider], defaults={"role": spec.role}
                )
            result[spec.username] = user
        return result

    def seed_venues(self, providers: dict[str, Provider], municipalities: dict[str, Municipality]) -> dict[str, Venue]:
        result = {}
        for spec in VENUES:
            venue, _created = Venue.objects.update_or_create(
                provider=providers[spec.provider],
                name=spec.name,
                defaults={
                    "street": spec.street,
                    "postcode": spec.postcode,
                    "town": spec.town,
                    "municipality": municipalities[spec.municipality],
                    "accessible": spec.accessible,
                    "childcare_on_site": spec.childcare_on_site,
                    "transport_note": spec.transport_note,
                },
            )
            result[spec.key] = venue
        return result

    def seed_courses(self, rng, today, now, providers, venues, municipalities, users) -> None:
        reporters = {
            "vhs": [users["vhs"], users["vhs-kurs"], users["vhs-kurs"]],
            "lernhaus": [users["lernhaus"]],
        }
        has_reports = set(PlaceReport.objects.values_list("course_id", flat=True).distinct())
        for spec in COURSES:
            units, level_from, level_to, funder = COURSE_TYPE_DEFAULTS[spec.course_type]
            if spec.levels:
                level_from, level_to = spec.levels
            start, end = course_dates(spec, units, today)
            self.check_dates(spec, start, end, today)
            venue = venues[spec.venue] if spec.venue else None
            time_from, time_to, _ue = SLOTS[spec.slot]
            if spec.course_type == CourseType.SPRACHCAFE:
                capacity = rng.randint(20, 30)
                min_size = 0
            elif spec.course_type in (CourseType.LK_NIEDRIG, CourseType.IK_FRAUEN, CourseType.IK_ELTERN):
                capacity = rng.randint(8, 16)
                min_size = min(capacity, rng.randint(5, 7))
            else:
                capacity = rng.randint(14, 25)
                min_size = min(capacity, rng.randint(7, 12))
            course, _created = Course.objects.update_or_create(
                provider=providers[spec.provider],
                title=spec.title,
                defaults={
                    "venue": venue,
                    "municipality": venue.municipality if venue else municipalities[spec.municipality],
                    "course_type": spec.course_type,
                    "funder": funder,
                    "level_from": level_from,
                    "level_to": level_to,
                    "start_date": start,
                    "end_date": end,
                    "weekdays": list(spec.weekdays),
                    "time_from": time_from,
                    "time_to": time_to,
                    "teaching_units": units,
                    "capacity": capacity,
                    "min_size": min_size,
                    "childcare": spec.childcare,
                    **target_group_defaults(spec.course_type),
                    **dict(spec.target),
                    "target_group": spec.target_group,
                    "status": spec.status,
                    "cancel_reason": spec.cancel_reason,
                    # Called off about two weeks before the planned start (or a week ago if that is still ahead).
                    "cancelled_at": min(
                        now - datetime.timedelta(weeks=1),
                        datetime.datetime.combine(start - datetime.timedelta(days=14), datetime.time(9), now.tzinfo),
                    )
                    if spec.status == Course.Status.CANCELLED
                    else None,
                },
            )
            # A course is entered some eight weeks before it starts (the agenda's "new courses" reads this).
            entered = min(
                now, datetime.datetime.combine(start - datetime.timedelta(weeks=8), datetime.time(9), now.tzinfo)
            )
            Course.objects.filter(pk=course.pk).update(created_at=entered)
            plan = plan_reports(rng, course, spec.report, now)
            staff = reporters.get(spec.provider)
            picks = [rng.randrange(len(staff)) if staff else 0 for _ in plan]
            notes = [rng.choice(REPORT_NOTES) for _ in plan]
            if course.pk in has_reports or not plan:
                continue
            reports = []
            for (at, free), pick, note in zip(plan, picks, notes, strict=True):
                if staff:
                    reporter = staff[pick]
                else:
                    reporter, note = users["koordination"], "Telefonisch an die Koordination gemeldet."
                reports.append(
                    PlaceReport(course=course, free_places=free, reported_by=reporter, reported_at=at, note=note)
                )
            PlaceReport.objects.bulk_create(reports)
            at, free = plan[-1]
            Course.objects.filter(pk=course.pk).update(free_places=free, places_reported_at=at)

    @staticmethod
    def check_dates(spec: CourseSpec, start: datetime.date, end: datetime.date, today: datetime.date) -> None:
        ok = {
            Course.Status.FINISHED: end < today,
            Course.Status.RUNNING: start <= today <= end,
            Course.Status.OPEN: start > today,
            Course.Status.PLANNED: start > today,
            Course.Status.CANCELLED: True,
        }[spec.status]
        if not ok:
            raise CommandError(f"Demo course {spec.title!r}: dates {start}–{end} do not fit {spec.status}.")

    def print_summary(self) -> None:
        statuses = dict(Course.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        status_text = ", ".join(f"{value} {statuses.get(value, 0)}" for value in Course.Status.values)
        venue_municipalities = Venue.objects.values("municipality").distinct().count()
        self.stdout.write(
            self.style.SUCCESS("Demo district ready.")
            + f"\n  Municipalities:  {Municipality.objects.count()}"
            + f"\n  Providers:       {Provider.objects.count()}"
            + f"\n  Venues:          {Venue.objects.count()} in {venue_municipalities} municipalities"
            + f"\n  Courses:         {Course.objects.count()} ({status_text})"
            + f"\n  Bookable:        {Course.objects.bookable().count()}"
            + f" (stale or no report: {Course.objects.stale().count()})"
            + f"\n  Place reports:   {PlaceReport.objects.count()}"
        )
        from participants.demo import participant_summary

        self.stdout.write(participant_summary())
        self.stdout.write(f'\nDemo logins (password "{DEMO_PASSWORD}" for all; demo data only):')
        self.stdout.write(f"  {'Login':<14}{'Name':<20}{'Role':<48}Provider")
        for spec in USERS:
            provider = PROVIDERS[spec.provider] if spec.provider else "–"
            name = f"{spec.first_name} {spec.last_name}"
            self.stdout.write(f"  {spec.username:<14}{name:<20}{spec.label:<48}{provider}")
