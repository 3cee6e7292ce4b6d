"""`python manage.py rescore`: score every published project against every enterprise, now.

Runs the same service code as the workers (chunks of projects, then one prune), in this
process, and returns when done.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from matchmaking.services import RESCORE_CHUNK_SIZE, matches_rescore_all


class Command(BaseCommand):
    help = "Score every published project against every enterprise and store the matches."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=RESCORE_CHUNK_SIZE,
            help="Projects scored per chunk (memory does not depend on it much).",
        )

    def handle(self, *args, **options) -> None:
        summary = matches_rescore_all(chunk_size=options["chunk_size"])
        self.stdout.write(
            _(
                "Rescored %(projects)s projects against %(enterprises)s enterprises "
                "(%(pairs)s pairs) in %(seconds).1f s: %(stored)s matches stored, "
                "%(created)s new, %(deleted)s removed."
            )
            % {
                "projects": summary.projects,
                "enterprises": summary.enterprises,
                "pairs": summary.pairs_scored,
                "seconds": summary.seconds,
                "stored": summary.stored,
                "created": summary.created,
                "deleted": summary.deleted,
            }
        )
