from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "bahali.rights"
    label = "rights"
    verbose_name = _("Rights red flags")

    def ready(self) -> None:
        from bahali.accounts import policies
        from bahali.cases import demo
        from bahali.core import figures, navigation
        from bahali.jobs import schedules
        from bahali.rights import figures as rights_figures
        from bahali.rights import services
        from bahali.rights.demo import load_demo_red_flags

        # read by the oversight body whole (scope "all"): no scope reaches a flag otherwise
        policies.register_scope_paths("rights.redflag", {})
        schedules.daily("rights.red_flags", label=_("Rights red flags"), hour=2)(
            services.daily_red_flags
        )
        figures.register(
            figures.Panel("red_flags", "rights/_figures.html", rights_figures.red_flags)
        )
        item = navigation.NavItem(
            _("Red flags"), "rights:dashboard", "flag", "rights_flag.read", "nav-red-flags"
        )
        if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
            navigation.NAVIGATION.append(item)
        demo.register_loader(
            "rights", lambda world: load_demo_red_flags(world), order=95, step="Rights red flags"
        )
