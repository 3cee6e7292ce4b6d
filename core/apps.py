from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Reference data")

    def ready(self) -> None:
        # Connects the Celery signals that time tasks and registers the scrape-time collector.
        from core import metrics

        metrics.platform_collector_register()
