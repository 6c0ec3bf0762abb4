from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "bahali.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from bahali.core import figures

        figures.register(
            figures.Panel("audit", "core/_figures_audit.html", figures.audit_verification)
        )
