from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "bahali.grievances"
    label = "grievances"
    verbose_name = _("Grievances")

    def ready(self) -> None:
        from bahali.cases import work
        from bahali.core import navigation
        from bahali.grievances.work import grievances_due

        work.register(grievances_due)
        for item in (
            navigation.NavItem(
                _("Grievances"), "grievances:list", "megaphone", "grievance.read", "nav-grievances"
            ),
            navigation.NavItem(
                _("Lodge a grievance"),
                "grievances:lodge",
                "chat-square-text",
                "grievance.write",
                "nav-lodge-grievance",
            ),
        ):
            if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
                navigation.NAVIGATION.append(item)
