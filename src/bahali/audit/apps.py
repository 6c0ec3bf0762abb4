from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "bahali.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from bahali.audit.services import record, record_many, record_rows
        from bahali.core import recording

        recording.install(record, record_many, record_rows)
