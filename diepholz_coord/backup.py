"""Backup and restore of the whole product: the database's rows and the stored files (agenda and minutes PDFs).

One archive (`.tar.gz`) holds
- `data.xml`: every row of the project's apps, the users and groups, the admin history and the audit log, as
  Django serialises them (natural keys for content types, so the archive loads into a freshly migrated database
  of any supported engine; XML because Django's JSON keeps times only to the millisecond);
- `media/…`: the files under MEDIA_ROOT;
- `manifest.json`: format, creation time, row counts per model and a SHA-256 for `data.xml` and every file.

`restore` loads an archive into an empty, migrated database in one transaction, checks that every model has the
rows the manifest lists (else nothing is kept), and only then puts the files in place. Sessions, login lockouts
and content types/permissions (made by `migrate`) are not part of the archive.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

FORMAT = "diepholz-backup/2"
# What the archive holds: these apps entirely, plus users, groups and the admin history.
APPS = ("courses", "participants", "transitions", "meetings", "register", "developments", "auditlog", "diepholz_coord")
MODELS = ("auth.user", "auth.group", "admin.logentry")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (in English, for the operator)."""


def _models() -> list:
    found = [apps.get_model(label) for label in MODELS]
    for label in APPS:
        found.extend(apps.get_app_config(label).get_models())
    return found


def _label(model) -> str:
    return model._meta.label_lower


def row_counts() -> dict[str, int]:
    """Rows per model of what a backup holds (one query per model)."""
    return {_label(model): model._base_manager.count() for model in _models()}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def create(output: Path, *, now: datetime.datetime) -> dict[str, Any]:
    """Write the archive to `output`; returns the manifest."""
    buffer = io.StringIO()
    call_command(
        "dumpdata",
        *[_label(model) for model in _models()],
        natural_foreign=True,
        natural_primary=False,
        format="xml",
        indent=None,
        stdout=buffer,
    )
    data = buffer.getvalue().encode()
    files = {}
    media = _media_root()
    if media.exists():
        for path in sorted(p for p in media.rglob("*") if p.is_file()):
            files[path.relative_to(media).as_posix()] = _sha256(path.read_bytes())
    manifest = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "counts": row_counts(),
        "data_sha256": _sha256(data),
        "files": files,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
        _add_bytes(archive, "data.xml", data)
        for name in files:
            archive.add(media / name, arcname=f"media/{name}")
    partial.replace(output)  # never a half-written archive under the final name
    return manifest


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def _read(archive: tarfile.TarFile, name: str) -> bytes:
    try:
        member = archive.getmember(name)
    except KeyError:
        raise BackupError(f"The archive has no {name}: not a backup of this product.") from None
    handle = archive.extractfile(member)
    if handle is None:
        raise BackupError(f"{name} in the archive is not a file.")
    return handle.read()


def _read_archive(archive_path: Path) -> tuple[dict[str, Any], bytes, dict[str, bytes]]:
    """The manifest, data.xml and the files, each checked against its checksum."""
    with tarfile.open(archive_path, "r:gz") as archive:
        manifest = json.loads(_read(archive, "manifest.json"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown archive format {manifest.get('format')!r}; expected {FORMAT!r}.")
        data = _read(archive, "data.xml")
        if _sha256(data) != manifest["data_sha256"]:
            raise BackupError("data.xml does not match its checksum: the archive is damaged.")
        files = {}
        for name, digest in manifest["files"].items():
            if name.startswith("/") or ".." in Path(name).parts:
                raise BackupError(f"Refusing the file name {name!r} in the archive.")
            content = _read(archive, f"media/{name}")
            if _sha256(content) != digest:
                raise BackupError(f"media/{name} does not match its checksum: the archive is damaged.")
            files[name] = content
    return manifest, data, files


def restore(archive_path: Path, *, allow_non_empty: bool = False) -> dict[str, Any]:
    """Load an archive into this (migrated, empty) database and MEDIA_ROOT. All or nothing for the rows; the
    files are put in place only after the rows are in. Returns the manifest."""
    from auditlog.context import disable_auditlog

    if not archive_path.is_file():
        raise BackupError(f"{archive_path} does not exist.")
    try:
        manifest, data, files = _read_archive(archive_path)
    except (tarfile.TarError, OSError, json.JSONDecodeError, KeyError) as error:
        raise BackupError(f"{archive_path} is not a readable backup archive ({error}).") from None
    present = {label: n for label, n in row_counts().items() if n and label != "auth.group"}
    if present and not allow_non_empty:
        raise BackupError(
            "The database is not empty ("
            + ", ".join(f"{label}: {n}" for label, n in sorted(present.items()))
            + "). Restore into a freshly migrated database, or pass --allow-non-empty to merge."
        )
    with tempfile.TemporaryDirectory() as tmp:
        fixture = Path(tmp) / "data.xml"
        fixture.write_bytes(data)
        with transaction.atomic(), disable_auditlog():
            call_command("loaddata", str(fixture), verbosity=0)
            counts = row_counts()
            wrong = {
                label: (expected, counts.get(label))
                for label, expected in manifest["counts"].items()
                if counts.get(label) != expected
            }
            if wrong and not allow_non_empty:
                raise BackupError(f"Rows after loading differ from the manifest (expected, found): {wrong}")
    media = _media_root()
    for name, content in files.items():
        target = media / name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(content)
        partial.replace(target)
    return manifest


def default_path(*, now: datetime.datetime) -> Path:
    return Path(settings.VAR_DIR) / "backups" / f"backup-{now:%Y%m%d-%H%M%S}.tar.gz"
