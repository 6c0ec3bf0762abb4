from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "bahali.registry"
    label = "registry"
    verbose_name = _("Participant registry")

    def ready(self) -> None:
        from bahali.core import demo
        from bahali.registry.demo import load_demo_participants

        demo.register_loader("registry", load_demo_participants, order=10, step="Participants")
