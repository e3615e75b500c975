"""Password rules beyond Django's: the first guesses against a county's accounts are its own words.

Django's CommonPasswordValidator knows the world's common passwords, not `Diepholz2026` or `Sommer2026!`.
LocalWordsPasswordValidator refuses a password made only of the county's place names, words of its course work,
seasons, months, digits and punctuation — a passphrase that adds one word of its own passes.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Written as they are spelled; umlauts are matched both as "ae" and as "a" (see _spellings).
LOCAL_WORDS = (
    # The county, its 15 municipalities and parts people name.
    "Landkreis", "Kreis", "Diepholz", "LKDH", "DH", "Niedersachsen", "Bassum", "Stuhr", "Brinkum", "Sulingen",
    "Syke", "Twistringen", "Wagenfeld", "Weyhe", "Leeste", "Kirchweyhe", "Altes", "Amt", "Lemförde", "Barnstorf",
    "Bruchhausen", "Vilsen", "Kirchdorf", "Rehden", "Schwaförden", "Siedenburg", "Hunte", "Dümmer", "Moor",
    # What the product is about.
    "Kurs", "Kurse", "Sprachkurs", "Sprachkurse", "Deutschkurs", "Deutsch", "Sprache", "Integration",
    "Integrationskurs", "Koordination", "Koordinator", "Koordinatorin", "Träger", "VHS", "Volkshochschule",
    # What people type when asked for a password.
    "Passwort", "Password", "Kennwort", "Geheim", "Willkommen", "Welcome", "Hallo", "Admin", "Test", "Start",
    "Login", "Qwertz", "Qwerty", "Asdf",
    # Seasons and months (with a year they make the classic "Sommer2026").
    "Sommer", "Winter", "Herbst", "Frühling", "Frühjahr", "Summer", "Spring", "Autumn", "Januar", "Februar",
    "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def _spellings(word: str) -> set[str]:
    word = word.lower()
    return {word.translate(_UMLAUTS), word.translate(_PLAIN)}


# Longest first, so that "kurse" is tried before "kurs".
_WORDS = sorted({spelling for word in LOCAL_WORDS for spelling in _spellings(word)}, key=len, reverse=True)
_ONLY_LOCAL_WORDS = re.compile(r"(?:" + "|".join(map(re.escape, _WORDS)) + r")*")


def is_only_local_words(password: str) -> bool:
    """Whether the letters of `password`, once digits, spaces and punctuation are dropped, are nothing but
    local words (in any order and case)."""
    for letters in {re.sub(r"[^a-z]", "", password.lower().translate(table)) for table in (_UMLAUTS, _PLAIN)}:
        if _ONLY_LOCAL_WORDS.fullmatch(letters):
            return True
    return False


class LocalWordsPasswordValidator:
    def validate(self, password: str, user=None) -> None:
        if is_only_local_words(password):
            raise ValidationError(
                _(
                    "This password is made only of place names of the county, words like “Kurs”, seasons, "
                    "months and numbers (such as “Sommer2026” or “Diepholz123”): these are guessed first. "
                    "Add words of your own."
                ),
                code="password_local_words",
            )

    def get_help_text(self) -> str:
        return _("Your password must not be made only of place names of the county, seasons, months and numbers.")
