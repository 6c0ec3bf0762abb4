from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "bahali.grievances"
    label = "grievances"
    verbose_name = _("Grievances")

    def ready(self) -> None:
        from bahali.cases import demo
        from bahali.core import figures, navigation, work
        from bahali.grievances import figures as grievance_figures
        from bahali.grievances import scopes
        from bahali.grievances.demo import load_demo_grievances
        from bahali.grievances.work import grievances_due

        work.register(work.Source("grievance", _("Grievances"), grievances_due))
        figures.register(
            figures.Panel(
                "grievances", "grievances/_figures_limits.html", grievance_figures.past_limits
            )
        )
        # the list for those who read grievances, the form for those who lodge them
        item = navigation.NavItem(
            _("Grievances"),
            "grievances:list",
            "megaphone",
            None,
            "nav-grievances",
            any_of=("grievance.read", "grievance.write"),
        )
        if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
            navigation.NAVIGATION.append(item)

        scopes.register()
        demo.register_loader(
            "grievances",
            lambda world: load_demo_grievances(world.organisations),
            order=60,
            step="Grievances",
        )
