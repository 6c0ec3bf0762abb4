from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "bahali.field"
    label = "field"
    verbose_name = _("Field work")

    def ready(self) -> None:
        from bahali.accounts import policies
        from bahali.core import navigation

        item = navigation.NavItem(_("Field work"), "field:submissions", "phone", None, "nav-field")
        if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
            navigation.NAVIGATION.append(item)

        policies.register_scope_paths("field.devicecredential", {policies.Scope.SELF: "user"})
        policies.register_scope_paths("field.draftkey", {policies.Scope.SELF: "user"})
        policies.register_scope_paths(
            "field.submission",
            {
                policies.Scope.SELF: "user",
                policies.Scope.OWN_ORGANISATION: "user__memberships__organisation",
            },
        )
