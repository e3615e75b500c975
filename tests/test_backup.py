"""Backup and restore: an archive of the demo district with a stored PDF restores into a fresh database with the
same rows and the same files; damaged archives and non-empty databases are refused with nothing changed."""

import io
import tarfile

import pytest
from django.core.management import CommandError, call_command

from diepholz_coord import backup

pytestmark = pytest.mark.django_db(transaction=True)


def _rows() -> list:
    """Every row a backup holds, as Python values (times to the microsecond; natural keys for content types, so
    comparable across databases)."""
    from django.core import serializers

    rows = []
    for model in backup._models():
        rows += serializers.serialize("python", model._base_manager.order_by("pk"), use_natural_foreign_keys=True)
    return sorted(rows, key=lambda row: (row["model"], str(row["pk"])))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def test_restore_into_a_fresh_database_gives_the_same_rows_and_files(media, tmp_path):
    call_command("seed_demo", verbosity=0)
    pdf = media / "meetings" / "agendas" / "tagesordnung-1.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.7 Tagesordnung")
    files = {path.relative_to(media): path.read_bytes() for path in media.rglob("*") if path.is_file()}
    before = _rows()
    assert len(before) > 1000
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())

    # A fresh database (flushed: content types and permissions come back from the migrations' signal with new
    # keys) and no files.
    call_command("flush", interactive=False, verbosity=0)
    for path in files:
        (media / path).unlink()
    assert sum(backup.row_counts().values()) == 0
    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "Restored" in out.getvalue()
    assert _rows() == before
    assert {path: (media / path).read_bytes() for path in files} == files
    assert pdf.read_bytes() == b"%PDF-1.7 Tagesordnung"
    # The demo logins work again (users and their password hashes are in the archive).
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="koordination").check_password("diepholz")
    # New rows get new keys (PostgreSQL's sequences were moved past the loaded ones).
    from tests import factories

    assert factories.ProviderFactory().pk > max(row["pk"] for row in before if row["model"] == "courses.provider")


def test_a_damaged_archive_or_a_non_empty_database_is_refused_and_nothing_changes(media, tmp_path, world):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    before = _rows()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))
    assert _rows() == before

    # The same archive with one changed byte in its data.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member).read()
            if member.name == "data.xml":
                content = content.replace(b"Kurs A", b"Kurs X", 1)
            member.size = len(content)
            target.addfile(member, io.BytesIO(content))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match="checksum"):
        call_command("restore", str(damaged))
    assert sum(backup.row_counts().values()) == 0
    with pytest.raises(CommandError, match="not a readable backup"):
        (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
        call_command("restore", str(tmp_path / "junk.tar.gz"))
