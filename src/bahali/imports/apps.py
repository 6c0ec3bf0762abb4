from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "bahali.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from bahali.accounts import policies
        from bahali.core import navigation
        from bahali.imports import jobs  # noqa: F401 - registers the import's job kind

        # Imports are their organisation's: the lists filter by the user's organisations
        # (models.ImportBatchQuerySet.visible_to), whatever the grant's scope.
        own = policies.Scope.OWN_ORGANISATION
        policies.register_scope_paths("imports.importbatch", {own: "organisation"})
        policies.register_scope_paths("imports.reviewcluster", {own: "batch__organisation"})

        item = navigation.NavItem(
            _("Imports"), "imports:list", "upload", None, "nav-imports", any_of=("import.write",)
        )
        if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
            navigation.NAVIGATION.append(item)
