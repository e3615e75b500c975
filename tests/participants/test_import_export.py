"""Participant import and export with real CSV and Excel files, uploaded through the web page."""

import codecs
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

from courses.models import Membership
from participants import imports
from participants.models import Participant

from ..factories import MembershipFactory, ParticipantFactory, ProviderFactory

IMPORT = reverse("participants:participant_import")
EXPORT = reverse("participants:participant_export")
HEADER = (
    "Vorname;Nachname;Geburtsjahr;Geburtsdatum;Geschlecht;Gemeinde;Erstsprachen;Alphabetisierung;Niveau;Zugang;"
    "Kinderbetreuung;Notizen"
)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_file(text: str, *, name="teilnehmende.csv", encoding="utf-8", bom=False) -> SimpleUploadedFile:
    data = text.encode(encoding)
    if bom:
        data = codecs.BOM_UTF8 + data
    return SimpleUploadedFile(name, data, content_type="text/csv")


def xlsx_file(rows, *, name="teilnehmende.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX_TYPE)


def upload(client, file, **data):
    return client.post(IMPORT, {"file": file, **data})


def names(provider):
    return sorted(Participant.objects.filter(provider=provider).values_list("first_name", "last_name"))


@pytest.fixture
def a_staff(world, login):
    return login(world.users.a_staff)


@pytest.mark.django_db
def test_file_with_errors_in_several_lines_saves_nothing_and_lists_every_error(world, a_staff):
    before = Participant.objects.count()
    text = "\n".join(
        [
            HEADER,
            "Samira;Nouri;1991;;w;Syke;Farsi;ja;A1;Rechtsanspruch;nein;",  # line 2: correct
            "Omar;Yousef;19x0;;m;Syke;Arabisch;ja;;;;",  # line 3: bad year
            "Lina;Haddad;1988;;w;Berlin;Arabisch;teilweise;;;;",  # line 4: unknown municipality
            "Rami;;1979;;m;Diepholz;Kurdisch;ja;;;;",  # line 5: last name missing
            "Dana;Karimi;;31.02.1990;w;Syke;Dari;nein;;;;",  # line 6: no such date
            "Aziz;Rahimi;1985;;x;Syke;Paschtu;vielleicht;C9;;ja;",  # line 7: three bad values
        ]
    )
    response = upload(a_staff, csv_file(text))
    assert response.status_code == 400
    assert Participant.objects.count() == before
    content = response.content.decode()
    assert "Nichts wurde importiert" in content
    for expected in [
        "Zeile 3, Spalte Geburtsjahr: Bitte eine ganze Zahl eingeben.",
        "Zeile 4, Spalte Gemeinde: „Berlin“ ist hier kein bekannter Wert.",
        "Zeile 5, Spalte Nachname: Dieses Feld ist zwingend erforderlich.",
        "Zeile 6, Spalte Geburtsdatum: Bitte das Datum als TT.MM.JJJJ angeben",
        "Zeile 7, Spalte Geschlecht: „x“ ist hier kein bekannter Wert. Bitte einen dieser Werte verwenden: w, m, d.",
        "Zeile 7, Spalte Alphabetisierung: „vielleicht“",
        "Zeile 7, Spalte Niveau: „C9“",
    ]:
        assert expected in content, expected
    assert "Zeile 2" not in content
    assert content.count("list-group-item-danger") == 7


@pytest.mark.django_db
def test_correct_csv_imports_completely(world, a_staff):
    text = "\n".join(
        [
            HEADER,
            "Samira;Nouri;;03.04.1991;w;syke;Farsi, Dari;teilweise;Pre-A1;Verpflichtung Jobcenter;ja;Vormittags",
            "Omar;Yousef;1980;;m;Stadt Diepholz;Arabisch;andere Schrift;a2;;nein;",
            "Lina;Haddad;1975;1975-12-24;;Syke;;nein;;Selbstzahlend;;",
        ]
    )
    response = upload(a_staff, csv_file(text, bom=True))
    assert response.status_code == 302 and response.url == reverse("participants:participant_list")
    assert names(world.provider_a) == [
        ("Amira", "Haddad"),
        ("Lina", "Haddad"),
        ("Omar", "Yousef"),
        ("Samira", "Nouri"),
    ]
    samira = Participant.objects.get(last_name="Nouri")
    assert samira.birth_date == datetime.date(1991, 4, 3) and samira.birth_year == 1991
    assert samira.gender == "f" and samira.municipality.name == "Syke" and samira.first_languages == "Farsi, Dari"
    assert samira.literacy == "partly" and samira.level == 1 and samira.route == "obliged_jc"
    assert samira.needs_childcare and samira.notes == "Vormittags" and samira.status == "active"
    omar = Participant.objects.get(last_name="Yousef")
    assert omar.municipality.name == "Diepholz" and omar.literacy == "other" and omar.level == 3
    assert omar.route == "unknown" and not omar.needs_childcare
    lina = Participant.objects.get(first_name="Lina")
    assert lina.gender == "" and lina.level is None and lina.route == "self"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["3 Teilnehmende wurden importiert."]


@pytest.mark.django_db
def test_correct_xlsx_imports_completely(world, a_staff):
    rows = [
        HEADER.split(";"),
        ["Samira", "Nouri", 1991, datetime.datetime(1991, 4, 3), "w", "Syke", "Farsi", "ja", "A1", "", True, ""],
        ["Omar", "Yousef", 1980.0, None, "m", "Diepholz", "Arabisch", "nein", None, "Landeskurs", False, None],
        [None] * 12,  # empty rows at the end are common in Excel files
    ]
    response = upload(a_staff, xlsx_file(rows))
    assert response.status_code == 302
    samira = Participant.objects.get(last_name="Nouri")
    assert samira.birth_date == datetime.date(1991, 4, 3) and samira.needs_childcare
    omar = Participant.objects.get(last_name="Yousef")
    assert omar.birth_year == 1980 and omar.route == "land" and not omar.needs_childcare


@pytest.mark.django_db
def test_comma_separated_csv_in_another_column_order(world, a_staff):
    text = 'Nachname,Vorname,Gemeinde,Alphabetisierung,Notizen\r\nNouri,Samira,Syke,ja,"Mag Kurse, abends"\r\n'
    assert upload(a_staff, csv_file(text)).status_code == 302
    assert Participant.objects.get(last_name="Nouri").notes == "Mag Kurse, abends"


@pytest.mark.django_db
def test_cp1252_csv_from_older_excel(world, a_staff):
    text = "Vorname;Nachname;Gemeinde;Alphabetisierung;Notizen\r\nJürgen;Müller-Özdemir;Syke;ja;Große Gruppe ok\r\n"
    response = upload(a_staff, csv_file(text, encoding="cp1252"))
    assert response.status_code == 302
    person = Participant.objects.get(first_name="Jürgen")
    assert person.last_name == "Müller-Özdemir" and person.notes == "Große Gruppe ok"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("liste.xlsx", b"PK\x03\x04 kaputt", content_type=XLSX_TYPE), "beschädigt"),
        (SimpleUploadedFile("liste.xlsx", b"just some text", content_type=XLSX_TYPE), "beschädigt"),
        (SimpleUploadedFile("liste.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", content_type="x"), ".xls"),
        (SimpleUploadedFile("liste.pdf", b"%PDF-1.4", content_type="application/pdf"), "nicht importiert werden"),
        (SimpleUploadedFile("liste.csv", b"", content_type="text/csv"), "leer"),
        (SimpleUploadedFile("liste.csv", b"\n \n;;\n", content_type="text/csv"), "leer"),
        (SimpleUploadedFile("liste.csv", HEADER.encode(), content_type="text/csv"), "keine Datenzeilen"),
        (SimpleUploadedFile("liste.csv", b"Vorname;Nachname\nA;B\n", content_type="text/csv"), "Gemeinde"),
        (
            SimpleUploadedFile("liste.csv", (HEADER + ";Aufenthalt\n").encode(), content_type="text/csv"),
            "Unbekannte Spalten: „Aufenthalt“",
        ),
        (
            SimpleUploadedFile("liste.csv", b"Vorname;Vorname;Nachname\n", content_type="text/csv"),
            "zweimal",
        ),
        (SimpleUploadedFile("liste.csv", b"Vorname;Nachname\n\x81\x8d\x8f;x", content_type="text/csv"), "UTF-8"),
    ],
    ids=[
        "corrupt-zip",
        "not-a-zip",
        "old-xls",
        "pdf",
        "empty",
        "blank-lines",
        "header-only",
        "missing-columns",
        "unknown-column",
        "duplicate-column",
        "undecodable",
    ],
)
def test_unusable_files_get_a_clear_message(world, a_staff, file, message):
    before = Participant.objects.count()
    response = upload(a_staff, file)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Participant.objects.count() == before


@pytest.mark.django_db
def test_missing_columns_message_lists_expected_columns(world, a_staff):
    response = upload(a_staff, csv_file("Vorname;Name\nSamira;Nouri\n"))
    content = response.content.decode()
    assert "Unbekannte Spalten: „Name“" in content
    assert "Vorname, Nachname, Geburtsjahr, Geburtsdatum, Geschlecht, Gemeinde" in content


@pytest.mark.django_db
def test_too_many_rows(world, a_staff):
    rows = [f"Vorname{i};Nachname{i};Syke;ja" for i in range(imports.MAX_PARTICIPANT_ROWS + 1)]
    text = "Vorname;Nachname;Gemeinde;Alphabetisierung\n" + "\n".join(rows)
    response = upload(a_staff, csv_file(text))
    assert response.status_code == 400
    assert f"mehr als {imports.MAX_PARTICIPANT_ROWS} Datenzeilen" in response.content.decode()
    assert Participant.objects.count() == 1


@pytest.mark.django_db
def test_too_large_file(world, a_staff):
    text = "Vorname;Nachname;Gemeinde;Alphabetisierung;Notizen\n" + "A;B;Syke;ja;" + "x" * (2 * 1024 * 1024)
    response = upload(a_staff, csv_file(text))
    assert response.status_code == 400
    assert "größer als 2 MB" in response.content.decode()


@pytest.mark.django_db
def test_value_in_column_without_heading(world, a_staff):
    text = "Vorname;Nachname;Gemeinde;Alphabetisierung\nSamira;Nouri;Syke;ja;übrig\n"
    response = upload(a_staff, csv_file(text))
    assert response.status_code == 400
    assert "Zeile 2: In Spalte 5" in response.content.decode()


@pytest.mark.django_db
def test_same_file_twice_is_refused_unless_confirmed(world, a_staff):
    text = (
        "Vorname;Nachname;Geburtsjahr;Gemeinde;Alphabetisierung\nSamira;Nouri;1991;Syke;ja\nSamira;Nouri;1991;Syke;ja\n"
    )
    response = upload(a_staff, csv_file(text))
    assert response.status_code == 400
    assert "Zeile 3: Zeile 2 hat dieselben Namen und dasselbe Geburtsjahr." in response.content.decode()
    assert upload(a_staff, csv_file(text), confirm_duplicates="on").status_code == 302
    response = upload(a_staff, csv_file(text))
    content = response.content.decode()
    assert "Zeile 2: Eine Person mit diesen Namen und diesem Geburtsjahr ist im Landkreis schon erfasst." in content
    assert Participant.objects.filter(last_name="Nouri").count() == 2


@pytest.mark.django_db
def test_provider_b_cannot_import_into_provider_a(world, login):
    """B's admin has one provider: a posted provider id is ignored and the people land in B."""
    client = login(world.users.b_admin)
    text = "Vorname;Nachname;Gemeinde;Alphabetisierung\nSamira;Nouri;Syke;ja\n"
    response = upload(client, csv_file(text), provider=world.provider_a.pk)
    assert response.status_code == 302
    assert Participant.objects.get(last_name="Nouri").provider == world.provider_b
    assert names(world.provider_a) == [("Amira", "Haddad")]


@pytest.mark.django_db
def test_user_with_several_providers_chooses_among_own_only(world, login):
    provider_c = ProviderFactory(name="Träger C")
    user = world.users.a_staff
    MembershipFactory(user=user, provider=provider_c, role=Membership.Role.STAFF)
    client = login(user)
    page = client.get(IMPORT).content.decode()
    assert "Träger C" in page and "Träger B" not in page
    text = "Vorname;Nachname;Gemeinde;Alphabetisierung\nSamira;Nouri;Syke;ja\n"
    response = upload(client, csv_file(text), provider=world.provider_b.pk)
    assert response.status_code == 400
    assert not Participant.objects.filter(last_name="Nouri").exists()
    assert upload(client, csv_file(text), provider=provider_c.pk).status_code == 302
    assert Participant.objects.get(last_name="Nouri").provider == provider_c


@pytest.mark.django_db
def test_coordinator_chooses_the_provider(world, login):
    client = login(world.users.coordinator)
    text = "Vorname;Nachname;Gemeinde;Alphabetisierung\nSamira;Nouri;Syke;ja\n"
    response = upload(client, csv_file(text))
    assert response.status_code == 400 and not Participant.objects.filter(last_name="Nouri").exists()
    assert upload(client, csv_file(text), provider=world.provider_b.pk).status_code == 302
    assert Participant.objects.get(last_name="Nouri").provider == world.provider_b


@pytest.mark.django_db
def test_import_page_describes_the_columns_and_offers_templates(world, a_staff):
    content = a_staff.get(IMPORT).content.decode()
    for text in ["Alphabetisierung", "andere Schrift", "Verpflichtung Jobcenter", "Syke", "?vorlage=xlsx"]:
        assert text in content
    response = a_staff.get(IMPORT, {"vorlage": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").strip() == HEADER
    response = a_staff.get(IMPORT, {"vorlage": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADER.split(";")
    assert workbook.worksheets[1]["A2"].value == "Vorname"
    assert a_staff.get(IMPORT, {"vorlage": "pdf"}).status_code == 400


def _export_rows(response):
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


@pytest.mark.django_db
def test_export_csv_has_the_import_columns(world, login):
    ParticipantFactory(
        provider=world.provider_a,
        first_name="Samira",
        last_name="Nouri",
        birth_year=1991,
        birth_date=datetime.date(1991, 4, 3),
        gender="f",
        literacy="partly",
        level=1,
        route="obliged_jc",
        needs_childcare=True,
        notes='=HYPERLINK("http://example.org")',
    )
    ParticipantFactory(provider=world.provider_b, first_name="Bashir", last_name="Amini")
    response = login(world.users.a_admin).get(EXPORT, {"format": "csv"})
    today = timezone.localdate()
    assert response["Content-Disposition"] == f'attachment; filename="teilnehmende-{today:%Y-%m-%d}.csv"'
    rows = _export_rows(response)
    assert rows[0] == HEADER.split(";") + ["Code", "Träger"]
    assert [row[1] for row in rows[1:]] == ["Haddad", "Nouri"]  # not B's Amini
    samira = rows[2]
    assert samira[:12] == [
        "Samira",
        "Nouri",
        "1991",
        "03.04.1991",
        "w",
        "Syke",
        "",
        "teilweise",
        "Pre-A1",
        "Verpflichtung Jobcenter",
        "ja",
        '\'=HYPERLINK("http://example.org")',
    ]


@pytest.mark.django_db
def test_export_xlsx_bold_frozen_header(world, login):
    response = login(world.users.coordinator).get(EXPORT, {"format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"].endswith(f'{timezone.localdate():%Y-%m-%d}.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "Vorname" and sheet["A1"].font.b
    assert sheet["B2"].value == "Haddad"


@pytest.mark.django_db
def test_export_applies_the_list_filters(world, login):
    ParticipantFactory(provider=world.provider_a, first_name="Samira", last_name="Nouri")
    rows = _export_rows(login(world.users.a_admin).get(EXPORT, {"q": "Nouri"}))
    assert [row[1] for row in rows[1:]] == ["Nouri"]


@pytest.mark.django_db
def test_unknown_export_format(world, login):
    assert login(world.users.a_admin).get(EXPORT, {"format": "pdf"}).status_code == 400


@pytest.mark.django_db
def test_bulk_export_is_for_admins_and_staff_export_their_courses_lists(world, login, a_staff):
    """Least privilege: provider staff get no bulk export of everyone; they export a course of their provider
    (names as on the course page), not another provider's course."""
    from participants.models import Enrollment

    assert a_staff.get(EXPORT, {"format": "csv"}).status_code == 403
    assert (
        "participants:participant_export" not in a_staff.get(reverse("participants:participant_list")).content.decode()
    )
    Enrollment.objects.get_or_create(participant=world.participant_a, course=world.course_a)
    roster_url = reverse("participants:course_roster_export", args=[world.course_a.pk])
    response = a_staff.get(roster_url, {"format": "csv"})
    assert response.status_code == 200
    rows = _export_rows(response)
    assert [row[:3] for row in rows[1:]] == [[world.participant_a.code, "Amira", "Haddad"]]
    assert a_staff.get(roster_url, {"format": "pdf"}).status_code == 400
    other = reverse("participants:course_roster_export", args=[world.course_b.pk])
    assert a_staff.get(other, {"format": "csv"}).status_code == 404
    # Another provider's person whom A may see by consent is still not in A's bulk export: only its own people.
    from tests.factories import ConsentFactory

    other_person = ParticipantFactory(provider=world.provider_b, first_name="Fremd", last_name="Person")
    ConsentFactory(participant=other_person, recipient=world.provider_a)
    admin = login(world.users.a_admin)
    assert "Fremd" in admin.get(reverse("participants:participant_list"), {"q": "Person"}).content.decode()
    rows = _export_rows(admin.get(EXPORT, {"format": "csv"}))
    assert "Person" not in [row[1] for row in rows[1:]]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_another_provider_gives_the_same_people(world, login, fmt):
    for i in range(5):
        ParticipantFactory(
            provider=world.provider_a,
            first_name=f"Person{i}",
            birth_date=datetime.date(1980 + i, 1, 31),
            birth_year=1980 + i,
            notes="-Mag Mathe" if i == 0 else "",
            gender="mfd"[i % 3],
        )
    exported = login(world.users.a_admin).get(EXPORT, {"format": fmt})
    client = login(world.users.b_admin)
    file = SimpleUploadedFile(f"export.{fmt}", exported.content)
    response = upload(client, file)
    # Everybody is registered at A already: the import says so unless confirmed.
    assert response.status_code == 400
    response = upload(client, SimpleUploadedFile(f"export.{fmt}", exported.content), confirm_duplicates="on")
    assert response.status_code == 302, response.content.decode()
    fields = ["first_name", "last_name", "birth_year", "birth_date", "gender", "municipality", "literacy", "level"]
    fields += ["route", "needs_childcare", "notes", "first_languages"]
    in_a = list(Participant.objects.filter(provider=world.provider_a).order_by("last_name").values_list(*fields))
    in_b = list(Participant.objects.filter(provider=world.provider_b).order_by("last_name").values_list(*fields))
    assert in_a == in_b and len(in_b) == 6


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_query_count_does_not_grow(world, login, fmt):
    client = login(world.users.a_admin)

    def count():
        with CaptureQueriesContext(connection) as context:
            response = client.get(EXPORT, {"format": fmt})
        assert response.status_code == 200
        return len(context.captured_queries), "\n".join(q["sql"] for q in context.captured_queries)

    ParticipantFactory.create_batch(2, provider=world.provider_a)
    small, _ = count()
    ParticipantFactory.create_batch(27, provider=world.provider_a)
    large, sql = count()
    assert Participant.objects.filter(provider=world.provider_a).count() == 30
    assert large == small, sql


@pytest.mark.django_db
def test_line_numbers_count_lines_of_the_file(world, a_staff):
    """A note over two lines (in quotation marks) moves the following rows down, as in a text editor."""
    text = 'Vorname;Nachname;Gemeinde;Alphabetisierung;Notizen\nSamira;Nouri;Syke;ja;"erste Zeile\nzweite Zeile"\n'
    text += "Omar;Yousef;Berlin;ja;\n"
    response = upload(a_staff, csv_file(text))
    assert "Zeile 4, Spalte Gemeinde: „Berlin“" in response.content.decode()


@pytest.mark.django_db
def test_filled_in_excel_template_imports(world, a_staff):
    template = a_staff.get(IMPORT, {"vorlage": "xlsx"}).content
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    workbook.worksheets[0].append(["Samira", "Nouri", 1991, None, "w", "Syke", "", "ja", "", "", "nein", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(a_staff, SimpleUploadedFile("vorlage.xlsx", buffer.getvalue(), content_type=XLSX_TYPE))
    assert response.status_code == 302
    assert Participant.objects.filter(last_name="Nouri", provider=world.provider_a).exists()


@pytest.mark.django_db
def test_english_interface_keeps_german_columns(world, a_staff, settings):
    a_staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = "vorname;NACHNAME;Gemeinde;Alphabetisierung\nSamira;Nouri;Hamburg;ja\n"
    response = upload(a_staff, csv_file(text))
    assert "Line 2, column Gemeinde: “Hamburg” is not a known value here." in response.content.decode()
