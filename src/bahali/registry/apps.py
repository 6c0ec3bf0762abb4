from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "bahali.registry"
    label = "registry"
    verbose_name = _("Participant registry")
