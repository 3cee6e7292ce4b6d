"""`python manage.py export_matches [--project REF] [--top N] [--format csv|json] [--output FILE]`.

Writes the stored candidate partnerships in the contract's format (see matchmaking/exports.py).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from matchmaking.exports import match_export_rows, write_csv, write_json
from projects.models import Project


class Command(BaseCommand):
    help = "Export stored matches (project, enterprise, rank, score, eligible, reasons)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--project", help="Only this project reference.")
        parser.add_argument("--top", type=int, help="Only the N best candidates per project.")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, **options) -> None:
        project = None
        if options["project"]:
            project = Project.objects.filter(reference=options["project"]).first()
            if project is None:
                raise CommandError(
                    _("No project with reference %(ref)s.") % {"ref": options["project"]}
                )
        top = options["top"]
        if top is not None and top < 1:
            raise CommandError(_("--top must be at least 1."))
        rows = match_export_rows(project=project, top=top)
        write = write_json if options["format"] == "json" else write_csv
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                n = write(rows, out)
            self.stderr.write(
                _("%(n)s matches written to %(file)s.") % {"n": n, "file": options["output"]}
            )
        else:
            write(rows, self.stdout)
