from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "bahali.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from bahali.core import navigation

        item = navigation.NavItem(
            _("Imports"), "imports:list", "upload", None, "nav-imports", any_of=("import.write",)
        )
        if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
            navigation.NAVIGATION.append(item)
