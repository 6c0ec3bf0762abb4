from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "bahali.cases"
    label = "cases"
    verbose_name = _("Cases and the pathway")

    def ready(self) -> None:
        from bahali.cases import activity, due, scopes, timeline, work

        timeline.register(activity.case_timeline)
        work.register(activity.sign_off_work)
        due.register_requests()
        scopes.register()
