from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("Web application")

    def ready(self) -> None:
        from core.models import CooperationMode, Corridor, OwnershipType, Region, Sector
        from deals.models import Interest
        from enterprises.models import Enterprise
        from enterprises.signals import enterprise_changed
        from projects.models import OpportunityList, Park, Project
        from projects.signals import project_changed, project_status_changed
        from web.cards import cards_forget
        from web.filters import CHOICE_MODELS, choices_forget
        from web.pagecache import pages_forget, pages_forget_on_signed

        def on_change(receiver, models, prefix):
            for model in models:
                uid = f"{prefix}-{model._meta.label}"
                post_save.connect(receiver, sender=model, dispatch_uid=uid)
                post_delete.connect(receiver, sender=model, dispatch_uid=uid)

        # The opportunity browser's select options are cached (web.filters.browser_choices).
        on_change(choices_forget, CHOICE_MODELS, "web-choices")
        # So are the project cards (web.cards): a project's own changes change its key; these
        # change what any card may show.
        on_change(cards_forget, (Enterprise, Park, Sector, CooperationMode), "web-cards")
        card_codes = (Project.sectors.through, Project.cooperation_modes.through)
        for through in card_codes:
            m2m_changed.connect(cards_forget, sender=through, dispatch_uid=f"web-cards-{through}")
        # And visitors' public pages (web.pagecache): any change of public data.
        on_change(
            pages_forget,
            (
                Project,
                Enterprise,
                Park,
                OpportunityList,
                Sector,
                CooperationMode,
                Corridor,
                Region,
                OwnershipType,
            ),
            "web-pages",
        )
        for field in (
            "sectors",
            "cooperation_modes",
            "corridors",
            "target_regions",
            "partner_ownership",
        ):
            through = getattr(Project, field).through
            m2m_changed.connect(pages_forget, sender=through, dispatch_uid=f"web-pages-{field}")
        # Writes without save() send these: the nightly expiry's UPDATE, and the importers'
        # bulk writes (an imported list must show on the next visit, not after the timeout).
        project_status_changed.connect(pages_forget, dispatch_uid="web-pages-status")
        project_changed.connect(pages_forget, dispatch_uid="web-pages-projects")
        enterprise_changed.connect(pages_forget, dispatch_uid="web-pages-enterprises")
        enterprise_changed.connect(cards_forget, dispatch_uid="web-cards-enterprises")
        post_save.connect(pages_forget_on_signed, sender=Interest, dispatch_uid="web-pages-signed")
