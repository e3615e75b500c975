"""Participant import and export (CSV and Excel). File handling and the all-or-nothing rules: courses.imports.

Every row is validated with the web page's ParticipantForm, with its choice fields taking the words people
write in spreadsheets ("w", "teilweise", "Syke") instead of codes and ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.domain import Level
from courses.imports import (
    LEVEL_LOOKUP,
    LEVEL_WORDS,
    NO,
    YES,
    Column,
    ImportRejected,
    ImportResult,
    ImportUploadForm,
    LookupField,
    RowError,
    boolean_field,
    choice_lookup,
    date_field,
    form_row_errors,
    municipality_lookup,
    norm,
    read_table,
    save_all,
    sort_errors,
    stray_value_errors,
)
from courses.models import Provider
from diepholz_coord import access
from diepholz_coord.audit import records_actor

from . import services
from .forms import FIRST_BIRTH_YEAR, ParticipantForm
from .models import Participant, Route

MAX_PARTICIPANT_ROWS = 2000
MAX_NOTES_LENGTH = 2000

# The word written in files for each stored value (exports write these; imports also take codes and labels).
GENDER_WORDS = {
    Participant.Gender.FEMALE: ["w", "weiblich", "f", "female"],
    Participant.Gender.MALE: ["m", "männlich", "male"],
    Participant.Gender.DIVERSE: ["d", "divers", "diverse"],
}
LITERACY_WORDS = {
    Participant.Literacy.YES: ["ja", "yes"],
    Participant.Literacy.PARTLY: ["teilweise", "partly"],
    Participant.Literacy.OTHER_SCRIPT: ["andere Schrift", "nur andere Schrift", "other script"],
    Participant.Literacy.NO: ["nein", "no"],
}
ROUTE_WORDS = {
    Route.LEGAL_CLAIM: ["Rechtsanspruch", "Berechtigung"],
    Route.OBLIGED_IMMIGRATION: ["Verpflichtung Ausländerbehörde", "Verpflichtung ABH", "Ausländerbehörde", "ABH"],
    Route.OBLIGED_JOBCENTER: ["Verpflichtung Jobcenter", "Jobcenter"],
    Route.BAMF_ADMISSION: ["Zulassung BAMF", "BAMF-Zulassung", "Zulassung"],
    Route.SELF_PAYER: ["Selbstzahlend", "Selbstzahler", "Selbstzahlerin"],
    Route.LAND_COURSE: ["Landeskurs", "Land"],
    Route.COUNTY_COURSE: ["Kreiskurs", "Landkreiskurs", "Landkreis"],
    Route.UNKNOWN: ["unbekannt", "noch nicht bekannt"],
}
LEVEL_LABELS = dict(Level.choices)


def _first_words(words: dict[str, list[str]]) -> list[str]:
    return [ws[0] for ws in words.values()]


PARTICIPANT_COLUMNS = [
    Column("Vorname", "first_name", True, gettext_lazy("Required.")),
    Column("Nachname", "last_name", True, gettext_lazy("Required.")),
    Column("Geburtsjahr", "birth_year", False, gettext_lazy("Optional. Four digits, e.g. 1990.")),
    Column(
        "Geburtsdatum",
        "birth_date",
        False,
        gettext_lazy("Optional. DD.MM.YYYY or YYYY-MM-DD; the year of birth is then taken from it."),
    ),
    Column("Geschlecht", "gender", False, gettext_lazy("Optional."), lambda: _first_words(GENDER_WORDS)),
    Column(
        "Gemeinde",
        "municipality",
        True,
        gettext_lazy("Required. Municipality of residence."),
        lambda: municipality_lookup()[1],
    ),
    Column("Erstsprachen", "first_languages", False, gettext_lazy("Optional. Separate several languages with commas.")),
    Column(
        "Alphabetisierung",
        "literacy",
        True,
        gettext_lazy("Required. Literacy in the Latin script."),
        lambda: _first_words(LITERACY_WORDS),
    ),
    Column("Niveau", "level", False, gettext_lazy("Optional. Current German level."), lambda: LEVEL_WORDS),
    Column(
        "Zugang",
        "route",
        False,
        gettext_lazy("Optional (empty: not yet known). Route into courses."),
        lambda: _first_words(ROUTE_WORDS),
    ),
    Column(
        "Kinderbetreuung",
        "needs_childcare",
        False,
        gettext_lazy("Optional (empty: no). Does the person need childcare?"),
        lambda: [YES, NO],
    ),
    Column(
        "Notizen",
        "notes",
        False,
        gettext_lazy("Optional. Only what is needed for course planning; no health details."),
    ),
]
# Columns of the export that the import reads past, so an export can be imported again (with new codes).
PARTICIPANT_EXPORT_ONLY = ["Code", "Träger"]


def import_providers(user) -> QuerySet[Provider]:
    """Providers the user may register participants for: all active ones for the coordinator, else their own."""
    providers = Provider.objects.filter(active=True)
    if access.is_coordinator(user):
        return providers
    return providers.filter(pk__in=access.provider_ids_for(user))


class ParticipantUploadForm(ImportUploadForm):
    confirm_duplicates = forms.BooleanField(
        label=gettext_lazy("Import anyway: people who look already registered are different people"),
        required=False,
    )


class ParticipantRowForm(forms.Form):
    """One row of a file, checked by the registration form's rules, with choices written as words.

    Not ParticipantForm itself: that one searches for possible duplicates with one query per person (a scan of
    the whole table each time); the import searches for all people of the file in one query. The model's own
    rules are checked once more by participant_register when saving.
    """

    first_name = forms.CharField(max_length=Participant._meta.get_field("first_name").max_length)
    last_name = forms.CharField(max_length=Participant._meta.get_field("last_name").max_length)
    birth_year = forms.IntegerField(required=False)
    birth_date = date_field()
    gender = LookupField(lookup={}, shown=[], empty_value="")
    municipality = LookupField(lookup={}, shown=[], required=True)
    first_languages = forms.CharField(
        max_length=Participant._meta.get_field("first_languages").max_length, required=False
    )
    literacy = LookupField(lookup={}, shown=[], required=True, empty_value="")
    level = LookupField(lookup=LEVEL_LOOKUP, shown=LEVEL_WORDS)
    route = LookupField(lookup={}, shown=[], empty_value=Route.UNKNOWN)
    needs_childcare = boolean_field()
    notes = forms.CharField(max_length=MAX_NOTES_LENGTH, required=False)

    # The same rule and message as on the registration form.
    clean_birth_year = ParticipantForm.clean_birth_year

    def __init__(self, data: dict[str, Any], *, lookups: dict[str, tuple[dict[str, Any], list[str]]]):
        super().__init__(data)
        for name, (lookup, shown) in lookups.items():
            self.fields[name].lookup = lookup
            self.fields[name].shown = shown
        self.fields["birth_date"].error_messages["invalid"] = _("Please write the date as DD.MM.YYYY, e.g. 31.01.1990.")

    def clean(self):
        # As ParticipantForm.clean: a plausible date of birth, matching the year, which is taken from the date.
        data = super().clean()
        birth_date, birth_year = data.get("birth_date"), data.get("birth_year")
        if birth_date:
            if birth_date > timezone.localdate() or birth_date.year < FIRST_BIRTH_YEAR:
                self.add_error("birth_date", _("Please enter a plausible date of birth."))
            elif birth_year and birth_year != birth_date.year:
                self.add_error("birth_year", _("The year of birth does not match the date of birth."))
            else:
                data["birth_year"] = birth_date.year
        return data


def _lookups() -> dict[str, tuple[dict[str, Any], list[str]]]:
    return {
        "municipality": municipality_lookup(),
        "gender": (choice_lookup(Participant.Gender.choices, GENDER_WORDS), _first_words(GENDER_WORDS)),
        "literacy": (choice_lookup(Participant.Literacy.choices, LITERACY_WORDS), _first_words(LITERACY_WORDS)),
        "route": (choice_lookup(Route.choices, ROUTE_WORDS), _first_words(ROUTE_WORDS)),
    }


def _person_key(first_name: str, last_name: str, birth_year: int | None) -> tuple[str, str, int | None]:
    return norm(first_name), norm(last_name), birth_year


def _registered_keys(people: list[dict[str, Any]]) -> set[tuple[str, str, int | None]]:
    """Names and years of birth of active participants anywhere in the district who match people of the file.

    One query for the whole file (the registration form's search is one per person).
    """
    last_names = {person["last_name"].strip() for person in people}
    if not last_names:
        return set()
    # Lower() in SQLite folds ASCII letters only: exact spellings are matched as well.
    matches = (
        Participant.objects.active()
        .annotate(last_name_lower=Lower("last_name"))
        .filter(Q(last_name_lower__in={name.lower() for name in last_names}) | Q(last_name__in=last_names))
        .values_list("first_name", "last_name", "birth_year")
    )
    return {_person_key(*match) for match in matches}


def _duplicate_errors(valid: list[tuple[int, dict[str, Any]]]) -> list[RowError]:
    registered = _registered_keys([data for _line, data in valid])
    errors = []
    seen: dict[tuple, int] = {}
    for line, data in valid:
        key = _person_key(data["first_name"], data["last_name"], data.get("birth_year"))
        if key in registered:
            errors.append(
                RowError(
                    line,
                    None,
                    _(
                        "A person with these names and this year of birth is already registered in the "
                        "district. If this is a different person, tick “Import anyway” and upload the file again."
                    ),
                )
            )
        elif key in seen:
            errors.append(
                RowError(
                    line,
                    None,
                    _(
                        "Line %(line)s has the same names and year of birth. If these are different people, "
                        "tick “Import anyway” and upload the file again."
                    )
                    % {"line": seen[key]},
                )
            )
        seen.setdefault(key, line)
    return errors


@records_actor
def participants_import(*, actor, provider: Provider, upload, confirm_duplicates: bool = False) -> ImportResult:
    """Register every person of the file for the provider, or nobody: raises ImportFileError or ImportRejected.

    People who look already registered (same names and year of birth, in the district or earlier in the file)
    are errors unless confirmed, as on the web form: importing the same file twice must not double everybody.
    """
    rows = read_table(
        upload, columns=PARTICIPANT_COLUMNS, max_rows=MAX_PARTICIPANT_ROWS, ignored=PARTICIPANT_EXPORT_ONLY
    )
    lookups = _lookups()
    errors: list[RowError] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    for line, row in rows:
        errors.extend(stray_value_errors(line, row))
        form = ParticipantRowForm(row, lookups=lookups)
        if not form.is_valid():
            errors.extend(form_row_errors(line, form, PARTICIPANT_COLUMNS))
            continue
        valid.append((line, form.cleaned_data))
    if not confirm_duplicates:
        errors.extend(_duplicate_errors(valid))
    if errors:
        raise ImportRejected(sort_errors(errors, PARTICIPANT_COLUMNS))
    count = save_all(
        valid,
        lambda data: services.participant_register(actor=actor, provider=provider, data=data),
        PARTICIPANT_COLUMNS,
    )
    return ImportResult(count=count)


def participant_export(participants: QuerySet[Participant]) -> tuple[list[str], Iterator[list[Any]]]:
    """The people in the import's columns, plus pseudonym code and provider; one query."""
    headers = [column.name for column in PARTICIPANT_COLUMNS] + PARTICIPANT_EXPORT_ONLY
    gender, literacy, route = (
        {value: ws[0] for value, ws in words.items()} for words in (GENDER_WORDS, LITERACY_WORDS, ROUTE_WORDS)
    )

    def rows():
        for p in participants.select_related("provider", "municipality").order_by("last_name", "first_name", "pk"):
            yield [
                p.first_name,
                p.last_name,
                p.birth_year,
                p.birth_date,
                gender.get(p.gender, ""),
                p.municipality.name,
                p.first_languages,
                literacy.get(p.literacy, p.literacy),
                LEVEL_LABELS.get(p.level, "") if p.level is not None else "",
                route.get(p.route, p.route),
                p.needs_childcare,
                p.notes,
                p.code,
                p.provider.name,
            ]

    return headers, rows()


def course_roster_export(roster: list[tuple[Any, bool]]) -> tuple[list[str], Iterator[list[Any]]]:
    """One course's list (participants.selectors.course_roster: enrolment, name visible): code, names where the
    user may see them, status, registered on, level. No further query."""
    headers = [_("code"), _("first name"), _("last name"), _("status"), _("registered on"), _("level")]

    def rows():
        for enrollment, named in roster:
            person = enrollment.participant
            yield [
                person.code,
                person.first_name if named else "",
                person.last_name if named else "",
                str(enrollment.get_status_display()),
                enrollment.registered_on,
                LEVEL_LABELS.get(person.level, "") if person.level is not None else "",
            ]

    return headers, rows()
