from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Migrations that add stored dates to existing rows: the dates are filled once every
# migration of the run is applied (the code that computes them reads other apps' tables,
# which a migration in the middle of a run cannot rely on).
FILLED_AFTER = {("cases", "0010_stored_due_dates")}


def fill_stored_dates(sender: Any, plan: Any = None, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate``: recompute every case's stored dates when this run added them."""
    from bahali.cases import due
    from bahali.cases.models import Case
    from bahali.core.migrating import applied

    added = applied(plan, FILLED_AFTER)
    if added and Case.objects.using(using).exists():
        due.refresh()


class CasesConfig(AppConfig):
    name = "bahali.cases"
    label = "cases"
    verbose_name = _("Cases and the pathway")

    def ready(self) -> None:
        post_migrate.connect(fill_stored_dates, sender=self, dispatch_uid="cases:fill_dates")
        from bahali.cases import activity, alerts, demo, due, emergency, scopes, services, timeline
        from bahali.cases import figures as case_figures
        from bahali.cases.panels import CASES_PANEL
        from bahali.core import demo as core_demo
        from bahali.core import figures, work
        from bahali.programmes import services as programmes
        from bahali.registry import panels

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
        figures.register(
            figures.Panel(
                "emergency_access",
                "cases/_figures_emergency.html",
                case_figures.emergency_accesses,
            )
        )
        alerts.register(emergency.emergency_alerts)
        due.register_requests()
        scopes.register()
        core_demo.register_loader("cases", demo.load_demo, order=20, step="Programmes and cases")
        panels.register(CASES_PANEL)
        if services.phase_in_use not in programmes.PHASE_IN_USE:
            programmes.PHASE_IN_USE.append(services.phase_in_use)
