from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from marketplace.services import personal_data  # models are ready only now

        from .services.personal_data import HOLDER

        personal_data.register(HOLDER)
