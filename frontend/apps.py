from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = _("Web app")

    def ready(self) -> None:
        from .checks import check_documents  # reaches the schema, which imports models: only once ready

        checks.register(check_documents)
