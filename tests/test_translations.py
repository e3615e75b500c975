"""The German catalogue is complete, compiled and in step with the source."""

import gettext
import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from .required import require_binary

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "de" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "de" / "LC_MESSAGES" / "django.mo"


def _require(tool):
    require_binary(tool, package="gettext")


def test_no_untranslated_or_fuzzy_entries():
    _require("msgattrib")
    for flag in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(["msgattrib", flag, "--no-wrap", str(PO)], capture_output=True, text=True, check=True)
        entries = [line for line in out.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
        assert not entries, f"{flag} entries in {PO.name}: {entries}"


def test_compiled_catalogue_matches_po(tmp_path):
    _require("msgfmt")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True)
    with fresh.open("rb") as a, MO.open("rb") as b:
        expected, committed = gettext.GNUTranslations(a), gettext.GNUTranslations(b)
    assert committed._catalog == expected._catalog, "run `make messages` and commit django.mo"


def test_every_interface_string_is_in_the_catalogue(tmp_path, settings):
    """makemessages on a copy of the source finds no string that lacks a German translation."""
    _require("xgettext")
    base = Path(settings.BASE_DIR)
    for name in ("locale", "templates", "diepholz_coord", "courses", "participants", "transitions", "meetings"):
        shutil.copytree(base / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        call_command("makemessages", locale=["de"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    regenerated = tmp_path / "locale" / "de" / "LC_MESSAGES" / "django.po"
    out = subprocess.run(
        ["msgattrib", "--untranslated", "--no-wrap", str(regenerated)], capture_output=True, text=True, check=True
    )
    missing = [line for line in out.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert not missing, f"strings without German translation (run `make messages`): {missing}"
