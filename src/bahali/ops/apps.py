from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Bahali: health and readiness, metrics, request logs, backups, the replica."""

    name = "bahali.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from bahali.ops import metrics

        user_login_failed.connect(metrics.signin_failed, dispatch_uid="ops-signin-failed")
