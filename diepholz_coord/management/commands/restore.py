"""`manage.py restore FILE`: load a backup archive into a freshly migrated, empty database (all or nothing) and
put its files back under MEDIA_ROOT (see diepholz_coord/backup.py). Run `manage.py migrate` first."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diepholz_coord import backup


class Command(BaseCommand):
    help = "Restore a backup archive into an empty, migrated database and MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--allow-non-empty", action="store_true", help="Load even if the database already holds rows (merge)."
        )

    def handle(self, *args, archive: Path, allow_non_empty: bool = False, **options):
        try:
            manifest = backup.restore(archive, allow_non_empty=allow_non_empty)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Restored {rows} rows and {len(manifest['files'])} files from the backup of {manifest['created_at']}."
        )
