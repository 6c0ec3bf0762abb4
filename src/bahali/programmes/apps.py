from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "bahali.programmes"
    label = "programmes"
    verbose_name = _("Programmes")

    def ready(self) -> None:
        from bahali.accounts import policies

        policies.register_scope_paths(
            "programmes.programme", {policies.Scope.OWN_ORGANISATION: "lead_organisation"}
        )
