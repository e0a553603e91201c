from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from marketplace.demo import stages  # models are ready only now
        from marketplace.services import personal_data

        from . import demo
        from .services.personal_data import HOLDER

        personal_data.register(HOLDER)
        for stage in demo.STAGES:
            stages.register(stage)
