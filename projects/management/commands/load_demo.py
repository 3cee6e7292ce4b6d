"""`python manage.py load_demo`: load the illustrative ILSTC opportunity list and demo users."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.demo.loader import DemoLoadError, DemoLoadSummary, demo_load


def _amount(value: Any) -> str:
    return f"{value:,.0f}"


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the illustrative ILSTC SOE opportunity list (36 projects), its enterprises, "
        "parks, an illustrative negative list and demo users. Running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = demo_load()
        except DemoLoadError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(str(exc)) from exc
        self._report(summary)

    def _report(self, summary: DemoLoadSummary) -> None:
        out = self.stdout
        for step in summary.steps:
            out.write(
                _("%(step)s: created %(created)d, updated %(updated)d, unchanged %(unchanged)d")
                % {
                    "step": step.name,
                    "created": step.created,
                    "updated": step.updated,
                    "unchanged": step.unchanged,
                }
            )
        banner = _("ILLUSTRATIVE DEMO DATA - not real projects or commitments")
        rule = "=" * max(len(banner), 60)
        out.write("")
        out.write(rule)
        out.write(self.style.WARNING(banner))
        out.write(rule)
        out.write(f"{summary.list_name}\n{summary.list_name_zh}")
        out.write(
            _("Projects: %(count)d (%(published)d published)")
            % {"count": summary.projects, "published": summary.published}
        )
        out.write(
            _("Total investment: %(amount)s CNY")
            % {"amount": _amount(summary.total_investment_cny)}
        )
        out.write(
            _("Sought from partners: %(amount)s CNY") % {"amount": _amount(summary.sought_cny)}
        )
        out.write("")
        out.write(_("Demo users (password for all: %(password)s)") % {"password": summary.password})
        headers = (_("username"), _("role"), _("enterprise"))
        rows = [
            (u.username, u.role, f"{u.enterprise}  [{u.note}]" if u.note else u.enterprise)
            for u in summary.users
        ]
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(2)]
        for username, role, enterprise in [headers, *rows]:
            out.write(f"  {username:<{widths[0]}}  {role:<{widths[1]}}  {enterprise}")
        out.write(rule)
