from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "bahali.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import pre_delete

        from bahali.core.models import AuditedModel
        from bahali.core.querysets import record_delete

        # Per model, not for every sender: unaudited models keep Django's fast delete.
        for model in apps.get_models():
            if issubclass(model, AuditedModel):
                pre_delete.connect(record_delete, sender=model, dispatch_uid="audit-delete")

        from bahali.core import figures

        figures.register(
            figures.Panel("audit", "core/_figures_audit.html", figures.audit_verification)
        )
