"""`manage.py backup [--output FILE]`: the database's rows and the stored files in one archive (see
diepholz_coord/backup.py). For PostgreSQL, `pg_dump` of the database plus a copy of MEDIA_ROOT is the
alternative for very large installations (README, "Backups")."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from diepholz_coord import backup


class Command(BaseCommand):
    help = "Write a backup archive (.tar.gz) of all rows and stored files."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Archive to write (default: VAR_DIR/backups/backup-….tar.gz)")

    def handle(self, *args, output: Path | None = None, **options):
        now = timezone.now()
        output = output or backup.default_path(now=now)
        manifest = backup.create(output, now=now)
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"Backup written to {output}: {rows} rows, {len(manifest['files'])} files.")
