from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    """Retention and anonymisation (issue 14, item 5): per-programme rules, legal holds, and
    the nightly run (``bahali retention run``, or the worker) that anonymises what is due."""

    name = "bahali.retention"
    label = "retention"
    verbose_name = _("Retention")

    def ready(self) -> None:
        from bahali.core import demo
        from bahali.registry import panels
        from bahali.retention import jobs, scopes  # noqa: F401 - jobs registers its kind
        from bahali.retention.demo import load_demo_retention
        from bahali.retention.panels import RETENTION_PANEL

        scopes.register()
        panels.register(RETENTION_PANEL)
        demo.register_loader("retention", load_demo_retention, order=90, step="Retention rules")
