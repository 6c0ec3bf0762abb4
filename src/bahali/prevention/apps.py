from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    name = "bahali.prevention"
    label = "prevention"
    verbose_name = _("Prevention")

    def ready(self) -> None:
        from bahali.cases import demo
        from bahali.core import navigation
        from bahali.prevention import fieldforms, scopes
        from bahali.prevention.demo import load_demo_prevention

        # initiatives for those who read them; the gap analysis alone for analysts
        for item in (
            navigation.NavItem(
                _("Prevention"),
                "prevention:initiatives",
                "globe2",
                "prevention_initiative.read",
                "nav-prevention",
            ),
            navigation.NavItem(
                _("Gap analysis"),
                "prevention:gaps",
                "bar-chart-line",
                None,
                "nav-gaps",
                any_of=("prevention_aggregate.read",),
            ),
        ):
            if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
                navigation.NAVIGATION.append(item)
        scopes.register()
        fieldforms.register()
        demo.register_loader(
            "prevention",
            lambda world: load_demo_prevention(world.organisations),
            order=70,
            step="Prevention: initiatives, funding, reach, district profiles",
        )
