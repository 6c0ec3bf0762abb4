from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "bahali.cases"
    label = "cases"
    verbose_name = _("Cases and the pathway")

    def ready(self) -> None:
        from bahali.cases import activity, due, timeline
        from bahali.cases import figures as case_figures
        from bahali.core import figures, work

        timeline.register(activity.case_timeline)
        work.register(
            work.Source("sign_off", _("Sign-offs"), activity.sign_off_work, "cases:queue")
        )
        work.register(work.Source("objection", _("Objections to answer"), activity.objection_work))
        work.register(work.Source("team", _("Teams to build"), activity.team_work))
        figures.register(
            figures.Panel(
                "phase_risk", "cases/_figures_phase_risk.html", case_figures.phases_and_risk
            )
        )
        figures.register(
            figures.Panel("gates", "cases/_figures_gates.html", case_figures.gate_decisions)
        )
        due.register_requests()
