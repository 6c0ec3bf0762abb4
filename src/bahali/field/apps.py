from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "bahali.field"
    label = "field"
    verbose_name = _("Field work")

    def ready(self) -> None:
        from bahali.accounts import policies

        policies.register_scope_paths(
            "field.devicecredential", {policies.Scope.SELF: "user"}
        )
        policies.register_scope_paths(
            "field.submission",
            {
                policies.Scope.SELF: "user",
                policies.Scope.OWN_ORGANISATION: "user__memberships__organisation",
            },
        )
