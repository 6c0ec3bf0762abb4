from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "bahali.cases"
    label = "cases"
    verbose_name = _("Cases and the pathway")

    def ready(self) -> None:
        from bahali.cases import activity, due, timeline
        from bahali.core import work

        timeline.register(activity.case_timeline)
        work.register(
            work.Source("sign_off", _("Sign-offs"), activity.sign_off_work, "cases:queue")
        )
        work.register(work.Source("objection", _("Objections to answer"), activity.objection_work))
        due.register_requests()
