"""Tables in and out: reading CSV and Excel uploads, writing CSV and Excel downloads, and the course import.

Imports are all-or-nothing. Every row is validated with the same form as the web page; when any row has an
error nothing is saved and every error is reported as "Zeile N, Spalte X: …". Line numbers are those a person
sees in Excel or a text editor (the header is usually line 1).

Column names and the words used for values (ja/nein, w/m/d, Mo/Di, …) are German whatever the interface
language: they are a file format that people's own spreadsheets, older exports and other tools rely on. The
interface around them (descriptions, error messages) is translated as usual.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from diepholz_coord import access
from diepholz_coord.audit import records_actor
from diepholz_coord.forms import StrictModelChoiceField

from . import services
from .domain import CourseType, Funder, Level
from .forms import CourseForm
from .models import Course, Municipality, Provider, Venue

# Limits. A provider's whole participant list or year programme fits easily; anything bigger is a mistake
# (a wrong file) or better split. The unzipped limit guards against "zip bombs" posing as Excel files.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024
MAX_COURSE_ROWS = 500
# More errors than this are not listed one by one: the file is probably the wrong one altogether.
MAX_LISTED_ERRORS = 1000

FORMATS = ("csv", "xlsx")
CSV_DELIMITER = ";"  # what German Excel writes and reads
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"]
TIME_INPUT_FORMATS = ["%H:%M", "%H.%M", "%H:%M:%S", "%H"]
YES, NO = "ja", "nein"
BOOLEAN_WORDS = {
    True: ["ja", "j", "yes", "y", "x", "1", "wahr", "true"],
    False: ["nein", "n", "no", "0", "falsch", "false"],
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (type, size, encoding, columns): one message, nothing saved."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.line and self.column:
            return _("Line %(line)s, column %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        if self.line:
            return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


class ImportRejected(Exception):
    """Some rows are invalid: nothing has been saved. Carries every error found."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@dataclass(frozen=True)
class Column:
    """A column of an import/export file: its German heading, the form field it feeds and its documentation."""

    name: str
    field: str
    required: bool = False
    help: str = ""
    # Words accepted (shown on the import page and in the template); a callable when they come from the database.
    values: Callable[[], list[str]] | None = None


@dataclass
class ImportResult:
    count: int


def norm(value: Any) -> str:
    """How cell values are compared with known words: case, spaces, hyphens and dots do not matter."""
    return re.sub(r"[\s\-_./]+", "", str(value).casefold())


# ---------------------------------------------------------------------------------------------------------------
# Validation helpers shared by the imports


class LookupField(forms.Field):
    """A value written as a word in a file (a German name, a short code), looked up ignoring case and spaces."""

    def __init__(self, *, lookup: dict[str, Any], shown: Sequence[str], empty_value: Any = None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.lookup = lookup
        self.shown = list(shown)
        self.empty_value = empty_value

    def to_python(self, value):
        if isinstance(value, bool):
            value = YES if value else NO
        if value is None or not str(value).strip():
            return self.empty_value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        key = norm(value)
        if key in self.lookup:
            return self.lookup[key]
        raise ValidationError(
            _("“%(value)s” is not a known value here. Please use one of: %(allowed)s."),
            code="unknown",
            params={"value": str(value).strip(), "allowed": ", ".join(self.shown)},
        )

    def validate(self, value):
        if self.required and value in (None, ""):
            raise ValidationError(self.error_messages["required"], code="required")


def word_lookup(words: dict[Any, Iterable[str]]) -> dict[str, Any]:
    return {norm(word): value for value, ws in words.items() for word in ws}


def choice_lookup(choices: Sequence[tuple[Any, Any]], extra: dict[Any, Iterable[str]] | None = None) -> dict[str, Any]:
    """Codes, German and English labels of model choices, plus extra words, all mapped to the stored value."""
    lookup: dict[str, Any] = {}
    for language in ("en", "de"):
        with translation.override(language):
            for value, label in choices:
                lookup[norm(label)] = value
    for value, _label in choices:
        lookup[norm(value)] = value
    lookup.update(word_lookup(extra or {}))
    return lookup


def boolean_field() -> LookupField:
    return LookupField(lookup=word_lookup(BOOLEAN_WORDS), shown=[YES, NO], empty_value=False)


def date_field() -> forms.DateField:
    return forms.DateField(
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"invalid": gettext_lazy("Please write the date as DD.MM.YYYY, e.g. 31.01.2026.")},
    )


def time_field() -> forms.TimeField:
    return forms.TimeField(
        required=False,
        input_formats=TIME_INPUT_FORMATS,
        error_messages={"invalid": gettext_lazy("Please write the time as HH:MM, e.g. 09:30.")},
    )


MUNICIPALITY_PREFIXES = ["Stadt", "Gemeinde", "Einheitsgemeinde", "Samtgemeinde", "Flecken"]


def municipality_lookup() -> tuple[dict[str, Municipality], list[str]]:
    """All municipalities by name, also written with a kind before it ("Stadt Syke", "Samtgemeinde Kirchdorf")."""
    municipalities = list(Municipality.objects.all())
    lookup: dict[str, Municipality] = {}
    for municipality in municipalities:
        for prefix in MUNICIPALITY_PREFIXES:
            lookup[norm(f"{prefix} {municipality.name}")] = municipality
    for municipality in municipalities:
        lookup[norm(municipality.name)] = municipality
    return lookup, [m.name for m in municipalities]


def form_row_errors(line: int, form: forms.BaseForm, columns: Sequence[Column], skip=()) -> list[RowError]:
    names = {column.field: column.name for column in columns}
    errors = []
    for field_name, messages in form.errors.items():
        if field_name in skip:
            continue
        errors.extend(RowError(line, names.get(field_name), str(message)) for message in messages)
    return errors


def service_row_errors(line: int, error: ValidationError, columns: Sequence[Column]) -> list[RowError]:
    names = {column.field: column.name for column in columns}
    if hasattr(error, "error_dict"):
        return [
            RowError(line, names.get(field_name), str(message))
            for field_name, messages in error.message_dict.items()
            for message in messages
        ]
    return [RowError(line, None, str(message)) for message in error.messages]


def sort_errors(errors: list[RowError], columns: Sequence[Column]) -> list[RowError]:
    order = {column.name: i for i, column in enumerate(columns)}
    return sorted(errors, key=lambda e: (e.line or 0, order.get(e.column, -1)))


def save_all(rows: Sequence[tuple[int, Any]], save: Callable[[Any], object], columns: Sequence[Column]) -> int:
    """Save every row in one transaction; if any fails, roll all back and report each failure."""
    errors: list[RowError] = []
    with transaction.atomic():
        for line, data in rows:
            try:
                # Services open their own (nested) transaction: a failed row rolls back to its savepoint and the
                # remaining rows can still be checked, so the report is complete.
                save(data)
            except ValidationError as error:
                errors.extend(service_row_errors(line, error, columns))
            except IntegrityError:
                errors.append(RowError(line, None, _("This row conflicts with data saved meanwhile.")))
        if errors:
            raise ImportRejected(sort_errors(errors, columns))
    return len(rows)


class ImportUploadForm(forms.Form):
    """The file, and the provider to import into where the user acts for more than one."""

    file = forms.FileField(
        label=gettext_lazy("File (CSV or Excel)"),
        error_messages={"required": gettext_lazy("Please choose a file.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    provider = StrictModelChoiceField(
        label=gettext_lazy("Import into provider"),
        queryset=Provider.objects.none(),
        error_messages={
            "invalid_choice": gettext_lazy("You can only import into a provider you act for. Choose one from the list.")
        },
    )

    def __init__(self, *args, providers: QuerySet[Provider], **kwargs):
        super().__init__(*args, **kwargs)
        # Only providers the user may import into are choices: a posted id for any other provider is refused.
        choices = list(providers)
        self.fields["provider"].queryset = providers
        self.only_provider = choices[0] if len(choices) == 1 else None
        if self.only_provider:
            # Nothing to choose: whatever is posted, the import goes to the user's own provider.
            del self.fields["provider"]

    def target_provider(self) -> Provider:
        """The provider to import into (only after is_valid())."""
        return self.only_provider or self.cleaned_data["provider"]


# ---------------------------------------------------------------------------------------------------------------
# Reading files


def read_table(
    upload, *, columns: Sequence[Column], max_rows: int, ignored: Sequence[str] = ()
) -> list[tuple[int, dict[str, Any]]]:
    """The data rows of an uploaded CSV or XLSX file: (line number, {field: raw cell value}).

    Raises ImportFileError for anything that makes the file as a whole unusable. Cell values are strings
    (CSV) or what Excel stored (numbers, dates, times, booleans); the row forms understand both.
    """
    if upload.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _("The file is larger than %(max)s MB. Please split it into several smaller files.")
            % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    data = upload.read()
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    name = (upload.name or "").lower()
    if name.endswith((".ods", ".numbers")):
        raise ImportFileError(
            _("Please save the spreadsheet as “Excel workbook (.xlsx)” or as CSV and upload it again.")
        )
    if data.startswith(b"PK\x03\x04"):
        lines = _xlsx_lines(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise ImportFileError(
            _(
                "This is an old Excel file (.xls). Please save it as “Excel workbook (.xlsx)” or as CSV and "
                "upload again."
            )
        )
    elif name.endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("The Excel file is damaged or not an Excel workbook (.xlsx). Please check the file."))
    elif name.endswith((".csv", ".txt")) or not name:
        lines = _csv_lines(data)
    else:
        raise ImportFileError(
            _("Files of this type cannot be imported. Please upload a CSV file (.csv) or an Excel workbook (.xlsx).")
        )
    return _rows(lines, columns=columns, max_rows=max_rows, ignored=ignored)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Older Excel versions save "CSV (Trennzeichen-getrennt)" in Windows-1252.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The characters of the file cannot be read. Please save it as “CSV UTF-8” and upload it again.")
        ) from None


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = _decode(data)
    if "\x00" in text:
        raise ImportFileError(
            _("This is not a text file. Please upload a CSV file (.csv) or an Excel workbook (.xlsx).")
        )
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([";", ",", "\t"], key=first_line.count) if first_line else CSV_DELIMITER
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for values in reader:
            yield line, [_unescape(value.strip()) for value in values]
            line = reader.line_num + 1
    except csv.Error:
        raise ImportFileError(
            _("The CSV file cannot be read after line %(line)s. Please check quotation marks there.") % {"line": line}
        ) from None


def _unescape(value: str) -> str:
    # Our exports put an apostrophe before text that Excel would take for a formula (see _csv_value).
    if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        if unzipped > MAX_UNZIPPED_BYTES:
            raise ImportFileError(_("The Excel file is too large. Please split it into several smaller files."))
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception:
        # openpyxl reports damaged files with many different exception types (zip, XML, key and value errors).
        raise ImportFileError(
            _("The Excel file is damaged or not an Excel workbook (.xlsx). Please check the file.")
        ) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The Excel file contains no worksheet."))
        # The first worksheet holds the data; further sheets (like the explanation in our template) are ignored.
        for line, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            yield line, [value.strip() if isinstance(value, str) else value for value in values]
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(
            _("The Excel file is damaged or not an Excel workbook (.xlsx). Please check the file.")
        ) from None
    finally:
        workbook.close()


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value)


def _rows(
    lines: Iterator[tuple[int, list[Any]]], *, columns: Sequence[Column], max_rows: int, ignored: Sequence[str]
) -> list[tuple[int, dict[str, Any]]]:
    by_name = {norm(column.name): column for column in columns}
    ignored_names = {norm(name) for name in ignored}
    header: list[str | None] | None = None
    rows: list[tuple[int, dict[str, Any]]] = []
    for line, values in lines:
        if all(_is_empty(v) for v in values):
            continue
        if header is None:
            header = _header(values, by_name, ignored_names, columns)
            continue
        if len(rows) >= max_rows:
            raise ImportFileError(
                _(
                    "The file has more than %(max)s data rows. Please split it into several files of at most "
                    "%(max)s rows."
                )
                % {"max": max_rows}
            )
        row: dict[str, Any] = {}
        for position, value in enumerate(values):
            target = header[position] if position < len(header) else None
            if target:
                row[target] = value
            elif target is None and not _is_empty(value):
                # "" marks a known export-only column that is read past; None a column without heading.
                row.setdefault("__stray__", position + 1)
        rows.append((line, row))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    if not rows:
        raise ImportFileError(_("The file contains column headings but no data rows."))
    return rows


def _header(values: list[Any], by_name: dict[str, Column], ignored_names: set[str], columns: Sequence[Column]):
    header: list[str | None] = []
    seen: set[str] = set()
    unknown: list[str] = []
    for value in values:
        text = "" if value is None else str(value).strip()
        key = norm(text)
        if not key:
            header.append(None)
        elif key in by_name:
            column = by_name[key]
            if column.field in seen:
                raise ImportFileError(
                    _("The column “%(column)s” appears twice. Please keep only one.") % {"column": column.name}
                )
            seen.add(column.field)
            header.append(column.field)
        elif key in ignored_names:
            header.append("")  # known export-only column: read past it
        else:
            unknown.append(text)
    expected = ", ".join(column.name for column in columns)
    if unknown:
        raise ImportFileError(
            _(
                "Unknown columns: %(unknown)s. The first row must contain the column headings; these are "
                "possible: %(expected)s."
            )
            % {"unknown": ", ".join(f"„{u}“" for u in unknown), "expected": expected}
        )
    missing = [column.name for column in columns if column.required and column.field not in seen]
    if missing:
        raise ImportFileError(
            _(
                "Required columns are missing: %(missing)s. The first row must contain the column headings: "
                "%(expected)s."
            )
            % {"missing": ", ".join(missing), "expected": expected}
        )
    return header


def stray_value_errors(line: int, row: dict[str, Any]) -> list[RowError]:
    if "__stray__" not in row:
        return []
    return [
        RowError(
            line,
            None,
            _(
                "There is a value in column %(position)s, which has no heading. Text containing the separator "
                "must be in quotation marks."
            )
            % {"position": row["__stray__"]},
        )
    ]


def limit_errors(errors: list[RowError]) -> tuple[list[RowError], int]:
    """The errors to list, and how many more there are."""
    return errors[:MAX_LISTED_ERRORS], max(0, len(errors) - MAX_LISTED_ERRORS)


# ---------------------------------------------------------------------------------------------------------------
# Writing files


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if timezone.is_aware(value) else f"{value:%d.%m.%Y}"
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    text = str(value)
    # Excel runs text starting with these characters as a formula ("CSV injection"); an apostrophe stops that.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _xlsx_cell(sheet, value: Any) -> WriteOnlyCell:
    if isinstance(value, bool):
        value = YES if value else NO
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula
    elif isinstance(value, datetime.datetime):
        cell.number_format = "DD.MM.YYYY HH:MM"
    elif isinstance(value, datetime.date):
        cell.number_format = "DD.MM.YYYY"
    elif isinstance(value, datetime.time):
        cell.number_format = "HH:MM"
    return cell


def _filename(stem: str, fmt: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def table_response(
    *,
    fmt: str,
    stem: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet_title: str,
    extra_sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = (),
) -> HttpResponse:
    """A download: CSV (UTF-8 with BOM, ";" – opens correctly in German Excel) or XLSX (bold, frozen header)."""
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content_type=content_type)
    write_table(response, fmt=fmt, headers=headers, rows=rows, sheet_title=sheet_title, extra_sheets=extra_sheets)
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, fmt)}"'
    return response


def write_table(
    stream,
    *,
    fmt: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet_title: str,
    extra_sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = (),
) -> None:
    """The table into a binary stream (a response, a file), row by row for CSV; `table_response`'s format."""
    if fmt == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        text.write("\ufeff")
        writer = csv.writer(text, delimiter=CSV_DELIMITER, lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_value(value) for value in row])
        text.detach()
    else:
        workbook = openpyxl.Workbook(write_only=True)
        for title, sheet_headers, sheet_rows in ((sheet_title, headers, rows), *extra_sheets):
            _write_sheet(workbook, title, sheet_headers, sheet_rows)
        if getattr(stream, "seekable", lambda: False)():
            workbook.save(stream)
        else:  # a zip file needs to seek: a response gets the finished file
            buffer = io.BytesIO()
            workbook.save(buffer)
            stream.write(buffer.getvalue())


def _write_sheet(workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for position, header in enumerate(headers, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(position)].width = max(12, len(str(header)) + 4)
    bold = Font(bold=True)
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = bold
        cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])


def requested_format(request, parameter: str = "format", default: str | None = "csv") -> str | None:
    """The format asked for ("csv" or "xlsx"), the default when none is given; None for anything else."""
    value = request.GET.get(parameter, "").strip().lower()
    if not value:
        return default
    return value if value in FORMATS else None


def column_docs(columns: Sequence[Column]) -> list[dict[str, Any]]:
    """Columns with their accepted values, for the import page and the template's explanation sheet."""
    return [
        {
            "name": column.name,
            "required": column.required,
            "help": column.help,
            "values": column.values() if column.values else [],
        }
        for column in columns
    ]


def template_response(*, fmt: str, stem: str, columns: Sequence[Column]) -> HttpResponse:
    """An empty file with the column headings; the Excel version explains the columns on a second sheet."""
    explanation = [
        (doc["name"], _("yes") if doc["required"] else _("no"), str(doc["help"]), ", ".join(doc["values"]))
        for doc in column_docs(columns)
    ]
    return table_response(
        fmt=fmt,
        stem=stem,
        headers=[column.name for column in columns],
        rows=[],
        sheet_title=_("Data"),
        extra_sheets=[(_("Explanation"), [_("Column"), _("Required"), _("Description"), _("Values")], explanation)],
    )


# ---------------------------------------------------------------------------------------------------------------
# Courses

WEEKDAY_WORDS = {
    0: ["Mo", "Montag", "Mon", "Monday"],
    1: ["Di", "Dienstag", "Tue", "Tuesday"],
    2: ["Mi", "Mittwoch", "Wed", "Wednesday"],
    3: ["Do", "Donnerstag", "Thu", "Thursday"],
    4: ["Fr", "Freitag", "Fri", "Friday"],
    5: ["Sa", "Samstag", "Sonnabend", "Sat", "Saturday"],
    6: ["So", "Sonntag", "Sun", "Sunday"],
}
FUNDER_WORDS = {
    Funder.BAMF: ["BAMF", "Bund"],
    Funder.LAND: ["Land", "Niedersachsen"],
    Funder.COUNTY: ["Landkreis", "Kreis"],
    Funder.MUNICIPALITY: ["Kommune", "Stadt"],
    Funder.DONATIONS: ["Spenden", "Ehrenamt"],
    Funder.SELF_PAYERS: ["Selbstzahlende", "Selbstzahler"],
}
STATUS_WORDS = {Course.Status.OPEN: ["offen"]}
LEVEL_LOOKUP = {norm(label): value for value, label in Level.choices}
LEVEL_WORDS = [label for _value, label in Level.choices]


def _course_types_shown() -> list[str]:
    with translation.override("de"):
        return [f"{code} ({label})" for code, label in CourseType.choices]


def _labels_de(choices) -> list[str]:
    with translation.override("de"):
        return [str(label) for _value, label in choices]


COURSE_COLUMNS = [
    Column("Titel", "title", True, gettext_lazy("Required. The course's name as participants know it.")),
    Column(
        "Kursart",
        "course_type",
        True,
        gettext_lazy("Required. The code or the German name of the course type."),
        _course_types_shown,
    ),
    Column(
        "Kostenträger",
        "funder",
        True,
        gettext_lazy("Required. Who pays for the course."),
        lambda: _labels_de(Funder.choices),
    ),
    Column("Einstiegsniveau", "level_from", True, gettext_lazy("Required."), lambda: LEVEL_WORDS),
    Column(
        "Zielniveau",
        "level_to",
        True,
        gettext_lazy("Required; not below the entry level."),
        lambda: LEVEL_WORDS,
    ),
    Column(
        "Kursort",
        "venue",
        False,
        gettext_lazy("Name of one of the provider's venues (see the provider's page). Empty for an online course."),
    ),
    Column(
        "Gemeinde",
        "municipality",
        False,
        gettext_lazy("Only for online courses: the municipality where the course is offered. Otherwise the venue's."),
        lambda: municipality_lookup()[1],
    ),
    Column("Beginn", "start_date", True, gettext_lazy("Required. Start date as DD.MM.YYYY.")),
    Column("Ende", "end_date", True, gettext_lazy("Required. End date as DD.MM.YYYY, not before the start.")),
    Column(
        "Wochentage",
        "weekdays",
        False,
        gettext_lazy("Optional. Days of the week separated by commas, e.g. “Mo, Mi”."),
        lambda: [words[0] for words in WEEKDAY_WORDS.values()],
    ),
    Column("Von", "time_from", False, gettext_lazy("Optional. Start time as HH:MM; give both times or neither.")),
    Column("Bis", "time_to", False, gettext_lazy("Optional. End time as HH:MM.")),
    Column("UE", "teaching_units", False, gettext_lazy("Optional. Teaching units of 45 minutes.")),
    Column("Kapazität", "capacity", True, gettext_lazy("Required. Number of places, 1 to 200.")),
    Column("Mindestgröße", "min_size", False, gettext_lazy("Optional (empty: 0). Not above the capacity.")),
    Column("Kinderbetreuung", "childcare", False, gettext_lazy("Optional (empty: no)."), lambda: [YES, NO]),
    Column("Zielgruppe", "target_group", False, gettext_lazy("Optional, e.g. “women with small children”.")),
    Column(
        "Status",
        "status",
        False,
        gettext_lazy("Optional (empty: planned)."),
        lambda: _labels_de([c for c in Course.Status.choices if c[0] != Course.Status.CANCELLED]),
    ),
]
# Columns of the course export that the import reads past (so an export can be imported again).
COURSE_EXPORT_ONLY = ["Träger", "Freie Plätze", "Freie Plätze gemeldet am"]


class WeekdaysField(forms.Field):
    def to_python(self, value):
        if value is None or not str(value).strip():
            return []
        days, unknown = [], []
        for word in re.split(r"[,;/+\s]+", str(value).strip()):
            key = norm(word)
            if not key:
                continue
            day = next((d for d, words in WEEKDAY_WORDS.items() if key in {norm(w) for w in words}), None)
            if day is None:
                unknown.append(word)
            elif day not in days:
                days.append(day)
        if unknown:
            raise ValidationError(
                _("Unknown days of the week: %(unknown)s. Please write e.g. “Mo, Mi, Fr”."),
                code="unknown",
                params={"unknown": ", ".join(unknown)},
            )
        return sorted(days)


def _whole_number(value: Any) -> Any:
    """Excel stores 20 as 20.0; the web form expects the digits."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return "" if value is None else value


class CourseRowForm(forms.Form):
    """First step for a course row: turns the words of a file into what the web form's fields take.

    Only what a file writes differently from the web form is checked here (names instead of ids, German
    dates, weekday names); the rules are checked by CourseForm itself in the second step.
    """

    title = forms.CharField(required=False, strip=True)
    course_type = LookupField(lookup={}, shown=[], empty_value="")
    funder = LookupField(lookup={}, shown=[], empty_value="")
    level_from = LookupField(lookup=LEVEL_LOOKUP, shown=LEVEL_WORDS, empty_value="")
    level_to = LookupField(lookup=LEVEL_LOOKUP, shown=LEVEL_WORDS, empty_value="")
    venue = LookupField(lookup={}, shown=[])
    municipality = LookupField(lookup={}, shown=[])
    start_date = date_field()
    end_date = date_field()
    weekdays = WeekdaysField(required=False)
    time_from = time_field()
    time_to = time_field()
    childcare = boolean_field()
    target_group = forms.CharField(required=False, strip=True)
    status = LookupField(lookup={}, shown=[], empty_value=Course.Status.PLANNED)

    def __init__(self, *args, lookups: dict[str, tuple[dict[str, Any], list[str]]], **kwargs):
        super().__init__(*args, **kwargs)
        for name, (lookup, shown) in lookups.items():
            self.fields[name].lookup = lookup
            self.fields[name].shown = shown

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == Course.Status.CANCELLED:
            raise ValidationError(_("A cancelled course cannot be imported. Leave it out or choose another status."))
        return status


def _course_lookups(provider: Provider) -> dict[str, tuple[dict[str, Any], list[str]]]:
    venues = list(Venue.objects.filter(provider=provider).select_related("municipality").order_by("name"))
    by_name: dict[str, list[Venue]] = {}
    for venue in venues:
        by_name.setdefault(norm(venue.name), []).append(venue)
    venue_lookup: dict[str, Any] = {}
    for venue in venues:
        venue_lookup[norm(str(venue))] = venue  # "Name, Ort" tells venues of the same name apart
        venue_lookup[norm(f"{venue.name}, {venue.municipality.name}")] = venue
    for key, same_name in by_name.items():
        if len(same_name) == 1:
            venue_lookup[key] = same_name[0]
    return {
        "course_type": (choice_lookup(CourseType.choices), [code for code, _label in CourseType.choices]),
        "funder": (choice_lookup(Funder.choices, FUNDER_WORDS), _labels_de(Funder.choices)),
        "venue": (venue_lookup, [v.name if len(by_name[norm(v.name)]) == 1 else str(v) for v in venues] or ["–"]),
        "municipality": municipality_lookup(),
        "status": (choice_lookup(Course.Status.choices, STATUS_WORDS), _labels_de(Course.Status.choices)),
    }


def _course_form_data(provider: Provider, cleaned: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """What the web form would post for this row (ids instead of names, ISO dates, lists of weekdays)."""
    venue, municipality = cleaned.get("venue"), cleaned.get("municipality")
    min_size = _whole_number(row.get("min_size"))
    return {
        "provider": provider.pk,
        "title": cleaned.get("title", ""),
        "course_type": cleaned.get("course_type", ""),
        "funder": cleaned.get("funder", ""),
        "level_from": cleaned.get("level_from", ""),
        "level_to": cleaned.get("level_to", ""),
        "venue": venue.pk if venue else "",
        "municipality": municipality.pk if municipality else "",
        "start_date": cleaned.get("start_date") or "",
        "end_date": cleaned.get("end_date") or "",
        "weekdays": cleaned.get("weekdays", []),
        "time_from": cleaned.get("time_from") or "",
        "time_to": cleaned.get("time_to") or "",
        "teaching_units": _whole_number(row.get("teaching_units")),
        "capacity": _whole_number(row.get("capacity")),
        # The web form starts with 0; an empty cell means the same.
        "min_size": 0 if min_size == "" else min_size,
        "childcare": cleaned.get("childcare", False),
        "target_group": cleaned.get("target_group", ""),
        "status": cleaned.get("status", Course.Status.PLANNED),
    }


@records_actor
def courses_import(*, actor, provider: Provider, upload) -> ImportResult:
    """Create every course of the file for the provider, or none: raises ImportFileError or ImportRejected."""
    if not access.may_manage_provider(actor, provider.pk):
        raise PermissionDenied(_("You may not manage courses of this provider."))
    rows = read_table(upload, columns=COURSE_COLUMNS, max_rows=MAX_COURSE_ROWS, ignored=COURSE_EXPORT_ONLY)
    lookups = _course_lookups(provider)
    existing = {
        (norm(title), start, municipality_id)
        for title, start, municipality_id in Course.objects.filter(provider=provider)
        .exclude(status=Course.Status.CANCELLED)
        .values_list("title", "start_date", "municipality_id")
    }
    seen: dict[tuple, int] = {}
    errors: list[RowError] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    for line, row in rows:
        errors.extend(stray_value_errors(line, row))
        first = CourseRowForm(row, lookups=lookups)
        first.is_valid()
        errors.extend(form_row_errors(line, first, COURSE_COLUMNS))
        form = CourseForm(_course_form_data(provider, first.cleaned_data, row), user=actor)
        if not form.is_valid():
            # A value that could not be read is reported once, not again as "required" by the web form (an
            # unknown venue, not again as "choose a venue or the municipality").
            skip = set(first.errors) | ({"municipality"} if "venue" in first.errors else set())
            errors.extend(form_row_errors(line, form, COURSE_COLUMNS, skip=skip))
            continue
        if first.errors:
            continue
        data = form.cleaned_data
        key = (norm(data["title"]), data["start_date"], data["municipality"].pk)
        if key in existing:
            errors.append(
                RowError(
                    line,
                    "Titel",
                    _("%(provider)s already has the course “%(title)s” starting on %(date)s in %(municipality)s.")
                    % {
                        "provider": provider.name,
                        "title": data["title"],
                        "date": f"{data['start_date']:%d.%m.%Y}",
                        "municipality": data["municipality"].name,
                    },
                )
            )
        elif key in seen:
            errors.append(
                RowError(line, "Titel", _("The same course is in line %(line)s already.") % {"line": seen[key]})
            )
        seen.setdefault(key, line)
        valid.append((line, data))
    if errors:
        raise ImportRejected(sort_errors(errors, COURSE_COLUMNS))
    count = save_all(valid, lambda data: services.course_create(actor=actor, data=data), COURSE_COLUMNS)
    return ImportResult(count=count)


# ---------------------------------------------------------------------------------------------------------------
# Course and overview exports


def course_export(courses: QuerySet[Course]) -> tuple[list[str], Iterator[list[Any]]]:
    """The courses in the import's columns (plus provider and free places); one query."""
    headers = [column.name for column in COURSE_COLUMNS] + COURSE_EXPORT_ONLY

    def rows():
        with translation.override("de"):
            course_types, funders = dict(CourseType.choices), dict(Funder.choices)
            statuses, levels = dict(Course.Status.choices), dict(Level.choices)
            weekday_words = {day: words[0] for day, words in WEEKDAY_WORDS.items()}
            for course in courses.select_related("provider", "venue", "municipality"):
                yield [
                    course.title,
                    str(course_types.get(course.course_type, course.course_type)),
                    str(funders.get(course.funder, course.funder)),
                    levels.get(course.level_from),
                    levels.get(course.level_to),
                    course.venue.name if course.venue else "",
                    course.municipality.name,
                    course.start_date,
                    course.end_date,
                    ", ".join(weekday_words[d] for d in sorted(course.weekdays or []) if d in weekday_words),
                    course.time_from,
                    course.time_to,
                    course.teaching_units,
                    course.capacity,
                    course.min_size,
                    course.childcare,
                    course.target_group,
                    str(statuses.get(course.status, course.status)),
                    course.provider.name,
                    course.places_available,  # the one figure (with_places), as on the pages
                    course.places_reported_at,
                ]

    return headers, rows()


def overview_export(overview) -> tuple[list[str], list[list[Any]]]:
    """The district matrix as a table: per municipality and entry level the free places and courses, totals."""
    headers = [_("Municipality")]
    for column in overview.column_totals:
        headers += [
            _("%(level)s: free places") % {"level": column.level_label},
            _("%(level)s: courses") % {"level": column.level_label},
        ]
    headers += [_("Total: free places"), _("Total: courses")]
    rows: list[list[Any]] = []
    for row in overview.rows:
        values: list[Any] = [row.municipality.name]
        for cell in row.cells:
            values += [cell.free, cell.courses]
        rows.append([*values, row.free, row.courses])
    totals: list[Any] = [_("District")]
    for column in overview.column_totals:
        totals += [column.free, column.courses]
    rows.append([*totals, overview.total_free, overview.total_courses])
    return headers, rows
