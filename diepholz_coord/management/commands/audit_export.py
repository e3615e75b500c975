"""`manage.py audit_export --output FILE`: the audit trail for the data-protection officer, as CSV or Excel, with
the filters of the coordinator's page (/protokoll/). Written row by row into a temporary file next to FILE and
renamed when complete, so a failed run leaves no half file; the export is itself recorded in the trail."""

import os
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from courses import imports as tables
from diepholz_coord import audit_trail
from diepholz_coord.audit import record_access
from diepholz_coord.audit_forms import AuditFilterForm
from participants.models import Participant

FORMATS = ("csv", "xlsx")


class Command(BaseCommand):
    help = "Export the audit trail (CSV or Excel) for the data-protection officer; filters as on /protokoll/."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, required=True, help="File to write (.csv or .xlsx)")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file's suffix, else csv")
        parser.add_argument("--person", default="", help="A participant's code, e.g. TN-4K7Q2M")
        parser.add_argument("--user", default="", help="A username: only what this login did")
        parser.add_argument("--kind", default="", choices=["", *audit_trail.KINDS], help="changes, access or logins")
        parser.add_argument("--since", default="", help="First day, YYYY-MM-DD")
        parser.add_argument("--until", default="", help="Last day, YYYY-MM-DD")

    def handle(self, *args, output: Path, format=None, person="", user="", kind="", since="", until="", **options):
        suffix = output.suffix.lstrip(".").lower()
        fmt = format or (suffix if suffix in FORMATS else "csv")
        data = {"person": person, "kind": kind, "since": since, "until": until}
        if user:
            found = get_user_model().objects.filter(username=user).first()
            if found is None:
                raise CommandError(_("No login has the username %(username)s.") % {"username": user})
            data["user"] = found.pk
        form = AuditFilterForm(data)
        if not form.is_valid():
            messages = [f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()]
            raise CommandError("; ".join(messages))
        if not output.parent.is_dir():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": output.parent})
        written = 0

        def rows():
            nonlocal written
            for row in audit_trail.export_rows(audit_trail.entries(**form.filters())):
                written += 1
                yield row

        handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as stream:
                tables.write_table(
                    stream,
                    fmt=fmt,
                    headers=audit_trail.export_headers(),
                    rows=rows(),
                    sheet_title=_("Audit trail"),
                )
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        participant: Participant | None = form.cleaned_data.get("person")
        record_access(
            actor=None,
            remote_addr=None,
            path="manage.py audit_export",
            model=Participant,
            what="audit_export",
            people=[participant.pk] if participant else [],
            obj=participant,
            fmt=fmt,
        )
        self.stdout.write(_("%(count)s entries written to %(file)s.") % {"count": written, "file": output})
