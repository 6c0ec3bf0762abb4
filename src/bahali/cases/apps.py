from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "bahali.cases"
    label = "cases"
    verbose_name = _("Cases and the pathway")

    def ready(self) -> None:
        from bahali.cases import activity, demo, due, scopes, services, timeline, work
        from bahali.cases.panels import CASES_PANEL
        from bahali.core import demo as core_demo
        from bahali.programmes import services as programmes
        from bahali.registry import panels

        timeline.register(activity.case_timeline)
        work.register(activity.sign_off_work)
        due.register_requests()
        scopes.register()
        core_demo.register_loader("cases", demo.load_demo, order=20)
        panels.register(CASES_PANEL)
        if services.phase_in_use not in programmes.PHASE_IN_USE:
            programmes.PHASE_IN_USE.append(services.phase_in_use)
