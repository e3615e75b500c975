"""Course import, course export and district overview export with real CSV and Excel files."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import imports
from courses.models import Course

from ..factories import CourseFactory, MunicipalityFactory, VenueFactory, report

IMPORT = reverse("courses:course_import")
EXPORT = reverse("courses:course_export")
OVERVIEW_EXPORT = reverse("courses:overview_export")
HEADER = [
    "Titel",
    "Kursart",
    "Kostenträger",
    "Einstiegsniveau",
    "Zielniveau",
    "Kursort",
    "Gemeinde",
    "Beginn",
    "Ende",
    "Wochentage",
    "Von",
    "Bis",
    "UE",
    "Kapazität",
    "Mindestgröße",
    "Kinderbetreuung",
    "Zielgruppe",
    "Status",
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def de(date: datetime.date) -> str:
    return f"{date:%d.%m.%Y}"


def csv_file(rows, *, name="kurse.csv") -> SimpleUploadedFile:
    text = "\r\n".join(";".join(str(v) for v in row) for row in [HEADER, *rows])
    return SimpleUploadedFile(name, ("\ufeff" + text).encode(), content_type="text/csv")


def xlsx_file(rows, *, name="kurse.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX_TYPE)


def good_row(world, **overrides):
    values = {
        "Titel": "Integrationskurs Abend",
        "Kursart": "IK_ALLG",
        "Kostenträger": "BAMF",
        "Einstiegsniveau": "A1",
        "Zielniveau": "B1",
        "Kursort": world.venue_a.name,
        "Gemeinde": "",
        "Beginn": de(day(14)),
        "Ende": de(day(200)),
        "Wochentage": "Mo, Mi",
        "Von": "18:00",
        "Bis": "21:15",
        "UE": "700",
        "Kapazität": "18",
        "Mindestgröße": "8",
        "Kinderbetreuung": "nein",
        "Zielgruppe": "",
        "Status": "Anmeldung offen",
    }
    values.update(overrides)
    return [values[h] for h in HEADER]


@pytest.fixture
def a_admin(world, login):
    return login(world.users.a_admin)


@pytest.mark.django_db
def test_file_with_errors_in_several_lines_saves_nothing_and_lists_every_error(world, a_admin):
    before = Course.objects.count()
    rows = [
        good_row(world),  # line 2: correct
        good_row(world, Titel="Zu spät", Beginn=de(day(30)), Ende=de(day(20))),  # line 3
        good_row(world, Titel="Zu groß", **{"Kapazität": "250"}),  # line 4
        good_row(world, Titel="Woanders", Kursort="Rathaus Berlin"),  # line 5
        good_row(world, Titel="Rückwärts", Einstiegsniveau="B1", Zielniveau="A1"),  # line 6
        good_row(world, Titel="Datum", Beginn="2027-13-45", Wochentage="Mo, Blau", Kursart="Tanzkurs"),  # line 7
    ]
    response = a_admin.post(IMPORT, {"file": csv_file(rows)})
    assert response.status_code == 400
    assert Course.objects.count() == before
    content = response.content.decode()
    for expected in [
        "Zeile 3, Spalte Ende: Das Enddatum darf nicht vor dem Startdatum liegen.",
        "Zeile 4, Spalte Kapazität: Dieser Wert muss kleiner oder gleich 200 sein.",
        "Zeile 5, Spalte Kursort: „Rathaus Berlin“ ist hier kein bekannter Wert.",
        "Zeile 6, Spalte Zielniveau: Das Zielniveau darf nicht unter dem Einstiegsniveau liegen.",
        "Zeile 7, Spalte Kursart: „Tanzkurs“",
        "Zeile 7, Spalte Beginn: Bitte das Datum als TT.MM.JJJJ angeben",
        "Zeile 7, Spalte Wochentage: Unbekannte Wochentage: Blau.",
    ]:
        assert expected in content, expected
    assert "Zeile 2" not in content
    # A value that could not be read is not reported a second time as missing.
    assert "Zeile 5, Spalte Gemeinde" not in content and "Zeile 7, Spalte Beginn: Dieses Feld" not in content
    assert content.count("list-group-item-danger") == 7


@pytest.mark.django_db
def test_correct_csv_imports_completely(world, a_admin):
    online = MunicipalityFactory(name="Weyhe")
    rows = [
        good_row(world),
        good_row(
            world,
            Titel="Sprachcafé online",
            Kursart="Sprachcafé / Sprachtreff (ehrenamtlich)",
            Kostenträger="Ehrenamt und Spenden",
            Einstiegsniveau="Alpha",
            Zielniveau="b2",
            Kursort="",
            Gemeinde="weyhe",
            Wochentage="Freitag",
            Von="",
            Bis="",
            UE="",
            **{"Kapazität": "30", "Mindestgröße": "", "Kinderbetreuung": "ja", "Status": ""},
            Zielgruppe="alle",
        ),
    ]
    response = a_admin.post(IMPORT, {"file": csv_file(rows)})
    assert response.status_code == 302 and response.url == reverse("courses:course_list")
    evening = Course.objects.get(title="Integrationskurs Abend")
    assert evening.provider == world.provider_a and evening.venue == world.venue_a
    assert evening.municipality == world.venue_a.municipality
    assert (evening.course_type, evening.funder, evening.level_from, evening.level_to) == ("IK_ALLG", "bamf", 2, 4)
    assert evening.start_date == day(14) and evening.end_date == day(200) and evening.weekdays == [0, 2]
    assert evening.time_from == datetime.time(18) and evening.time_to == datetime.time(21, 15)
    assert (evening.teaching_units, evening.capacity, evening.min_size) == (700, 18, 8)
    assert evening.status == "open" and not evening.childcare
    cafe = Course.objects.get(title="Sprachcafé online")
    assert cafe.venue is None and cafe.municipality == online and cafe.course_type == "SPRACHCAFE"
    assert cafe.funder == "donations" and (cafe.level_from, cafe.level_to) == (0, 5) and cafe.weekdays == [4]
    assert cafe.min_size == 0 and cafe.childcare and cafe.status == "planned" and cafe.teaching_units is None
    assert [str(m) for m in response.wsgi_request._messages] == ["2 Kurse wurden importiert."]


@pytest.mark.django_db
def test_correct_xlsx_imports_completely(world, a_admin):
    row = good_row(world)
    row[HEADER.index("Beginn")] = datetime.datetime.combine(day(14), datetime.time())
    row[HEADER.index("Ende")] = day(200)
    row[HEADER.index("Von")] = datetime.time(9, 0)
    row[HEADER.index("Bis")] = datetime.time(12, 15)
    row[HEADER.index("UE")] = 300
    row[HEADER.index("Kapazität")] = 16.0
    row[HEADER.index("Kinderbetreuung")] = True
    response = a_admin.post(IMPORT, {"file": xlsx_file([row])})
    assert response.status_code == 302
    course = Course.objects.get(title="Integrationskurs Abend")
    assert course.start_date == day(14) and course.end_date == day(200) and course.capacity == 16
    assert course.time_from == datetime.time(9) and course.childcare and course.teaching_units == 300


@pytest.mark.django_db
def test_same_course_twice_is_refused(world, a_admin):
    assert a_admin.post(IMPORT, {"file": csv_file([good_row(world)])}).status_code == 302
    response = a_admin.post(IMPORT, {"file": csv_file([good_row(world), good_row(world)])})
    content = response.content.decode()
    assert "Zeile 2, Spalte Titel: Träger A hat den Kurs „Integrationskurs Abend“" in content
    assert "Zeile 3, Spalte Titel" in content
    assert Course.objects.filter(title="Integrationskurs Abend").count() == 1


@pytest.mark.django_db
def test_cancelled_status_is_refused(world, a_admin):
    response = a_admin.post(IMPORT, {"file": csv_file([good_row(world, Status="abgesagt")])})
    assert "Zeile 2, Spalte Status: Ein abgesagter Kurs kann nicht importiert werden." in response.content.decode()


@pytest.mark.django_db
def test_corrupt_xlsx(world, a_admin):
    file = SimpleUploadedFile("kurse.xlsx", b"PK\x03\x04\x14\x00 defekt", content_type=XLSX_TYPE)
    response = a_admin.post(IMPORT, {"file": file})
    assert response.status_code == 400 and "beschädigt" in response.content.decode()


@pytest.mark.django_db
def test_too_many_rows(world, a_admin):
    rows = [good_row(world, Titel=f"Kurs {i}") for i in range(imports.MAX_COURSE_ROWS + 1)]
    response = a_admin.post(IMPORT, {"file": csv_file(rows)})
    assert response.status_code == 400
    assert f"mehr als {imports.MAX_COURSE_ROWS} Datenzeilen" in response.content.decode()


@pytest.mark.django_db
def test_provider_b_cannot_import_into_provider_a(world, login):
    client = login(world.users.b_admin)
    row = good_row(world, Kursort="", Gemeinde="Syke")
    response = client.post(IMPORT, {"file": csv_file([row]), "provider": world.provider_a.pk})
    assert response.status_code == 302
    assert Course.objects.get(title="Integrationskurs Abend").provider == world.provider_b
    # A's venue is not one of B's.
    response = client.post(
        IMPORT, {"file": csv_file([good_row(world, Titel="Anderer")]), "provider": world.provider_a.pk}
    )
    assert response.status_code == 400
    assert "Spalte Kursort" in response.content.decode()
    assert not Course.objects.filter(provider=world.provider_a, title__in=["Integrationskurs Abend", "Anderer"])


@pytest.mark.django_db
def test_coordinator_chooses_the_provider(world, login):
    client = login(world.users.coordinator)
    assert client.post(IMPORT, {"file": csv_file([good_row(world)])}).status_code == 400
    response = client.post(IMPORT, {"file": csv_file([good_row(world)]), "provider": world.provider_a.pk})
    assert response.status_code == 302
    assert Course.objects.get(title="Integrationskurs Abend").provider == world.provider_a


@pytest.mark.django_db
def test_import_page_and_templates(world, a_admin):
    content = a_admin.get(IMPORT).content.decode()
    assert "Kapazität" in content and "Allgemeiner Integrationskurs" in content
    response = a_admin.get(IMPORT, {"vorlage": "csv"})
    assert response.content.decode("utf-8-sig").strip() == ";".join(HEADER)
    sheet = openpyxl.load_workbook(io.BytesIO(a_admin.get(IMPORT, {"vorlage": "xlsx"}).content)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER


def _csv_rows(response):
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


@pytest.mark.django_db
def test_course_export_is_scoped_and_filtered(world, login):
    report(world.course_a, 5)
    CourseFactory(provider=world.provider_a, title="Alter Kurs", status=Course.Status.FINISHED)
    rows = _csv_rows(login(world.users.a_staff).get(EXPORT))
    assert rows[0] == HEADER + imports.COURSE_EXPORT_ONLY
    assert [row[0] for row in rows[1:]] == ["Kurs A"]  # not B's course, not the finished one (list default)
    course = rows[1]
    assert course[1] == "Allgemeiner Integrationskurs" and course[2] == "BAMF (Bund)"
    assert course[9] == "Mo, Mi, Fr" and course[10] == "09:00" and course[17] == "Anmeldung offen"
    assert course[-3:-1] == ["Träger A", "5"]
    all_rows = _csv_rows(login(world.users.coordinator).get(EXPORT, {"status": ""}))
    assert sorted(row[0] for row in all_rows[1:]) == ["Alter Kurs", "Kurs A", "Kurs B"]
    response = login(world.users.coordinator).get(EXPORT, {"format": "xlsx", "provider": world.provider_b.pk})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Kurs B"]
    assert response["Content-Disposition"] == f'attachment; filename="kurse-{timezone.localdate():%Y-%m-%d}.xlsx"'


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_course_export_imports_again(world, login, fmt):
    """An export is a valid import file: into another provider with a venue of the same name."""
    VenueFactory(provider=world.provider_b, name=world.venue_a.name, municipality=world.venue_a.municipality)
    exported = login(world.users.a_admin).get(EXPORT, {"format": fmt})
    client = login(world.users.b_admin)
    response = client.post(IMPORT, {"file": SimpleUploadedFile(f"kurse.{fmt}", exported.content)})
    assert response.status_code == 302, response.content.decode()
    fields = ["title", "course_type", "funder", "level_from", "level_to", "start_date", "end_date", "weekdays"]
    fields += ["time_from", "time_to", "teaching_units", "capacity", "min_size", "childcare", "status", "municipality"]
    original = Course.objects.filter(pk=world.course_a.pk).values(*fields).get()
    copy = Course.objects.filter(provider=world.provider_b).exclude(pk=world.course_b.pk).values(*fields).get()
    assert copy == original


def _count(client, url, params):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries), "\n".join(q["sql"] for q in context.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_course_export_query_count_does_not_grow(world, login, fmt):
    client = login(world.users.coordinator)
    CourseFactory.create_batch(2, provider=world.provider_a)
    small, _ = _count(client, EXPORT, {"format": fmt})
    for i in range(27):
        CourseFactory(
            provider=world.provider_b if i % 2 else world.provider_a,
            venue=None,
            municipality=world.venue_a.municipality,
        )
    large, sql = _count(client, EXPORT, {"format": fmt})
    assert large == small, sql


@pytest.mark.django_db
def test_overview_export(world, login):
    report(world.course_a, 4)
    report(world.course_b, 3)
    client = login(world.users.county)
    rows = _csv_rows(client.get(OVERVIEW_EXPORT))
    assert rows[0][0] == "Gemeinde" and rows[0][1] == "Alpha: freie Plätze" and rows[0][-1] == "Gesamt: Kurse"
    by_name = {row[0]: row for row in rows[1:]}
    a1 = rows[0].index("A1: freie Plätze")
    assert by_name["Syke"][a1 : a1 + 2] == ["4", "1"]
    assert by_name["Diepholz"][a1 : a1 + 2] == ["3", "1"]
    assert by_name["Landkreis"][a1 : a1 + 2] == ["7", "2"] and by_name["Landkreis"][-2:] == ["7", "2"]
    response = client.get(OVERVIEW_EXPORT, {"format": "xlsx"})
    assert response["Content-Disposition"].endswith(f'uebersicht-{timezone.localdate():%Y-%m-%d}.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b and sheet.cell(sheet.max_row, 1).value == "Landkreis"
    assert client.get(OVERVIEW_EXPORT, {"format": "ods"}).status_code == 400


@pytest.mark.django_db
def test_overview_export_query_count_does_not_grow(world, login):
    client = login(world.users.coordinator)
    small, _ = _count(client, OVERVIEW_EXPORT, {})
    for _i in range(20):
        report(CourseFactory(provider=world.provider_a, venue__municipality=MunicipalityFactory()), 2)
    large, sql = _count(client, OVERVIEW_EXPORT, {})
    assert large == small, sql
