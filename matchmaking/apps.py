from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "matchmaking"
    verbose_name = _("Matchmaking")

    def ready(self) -> None:
        from celery.signals import worker_process_init

        from matchmaking import receivers
        from matchmaking.features import features_warm_in_background

        receivers.connect()
        # A pool process decodes the feature store as it starts, not in its first task.
        worker_process_init.connect(features_warm_in_background, weak=False)
