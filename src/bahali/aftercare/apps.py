from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    name = "bahali.aftercare"
    label = "aftercare"
    verbose_name = _("Aftercare and outcomes")

    def ready(self) -> None:
        from bahali.accounts import policies
        from bahali.aftercare import figures, services
        from bahali.aftercare import work as aftercare_work
        from bahali.aftercare.demo import load_demo_aftercare
        from bahali.aftercare.models import CheckIn
        from bahali.aftercare.timeline import aftercare_entries
        from bahali.cases import alerts, demo, due, tabs, timeline
        from bahali.cases import services as cases
        from bahali.cases.scopes import case_reach
        from bahali.core import work

        timeline.register(aftercare_entries)
        work.register(work.Source("warning", _("Warning signs"), aftercare_work.warnings_raised))
        work.register(work.Source("check_in", _("Check-ins"), aftercare_work.check_ins_due))
        work.register(
            work.Source(
                "outcome_verification",
                _("Events to verify"),
                aftercare_work.outcomes_to_verify,
            )
        )
        alerts.register(aftercare_work.case_warning_alerts)
        due.register(due.DueSource(CheckIn, services.check_ins_due_dates))
        if services.schedule_on_entering_aftercare not in cases.PHASE_ENTERED:
            cases.PHASE_ENTERED.append(services.schedule_on_entering_aftercare)
        for tab in (
            tabs.CaseTab("aftercare", _("Aftercare"), "aftercare:case", "check_in.read"),
            tabs.CaseTab("outcomes", _("Outcomes"), "aftercare:outcomes", "outcome_event.read"),
            tabs.CaseTab(
                "report_outcome", _("Report an event"), "aftercare:report", "outcome_event.write"
            ),
        ):
            if tab.key not in {t.key for t in tabs.CASE_TABS}:
                tabs.CASE_TABS.append(tab)
        policies.register_scope_paths("aftercare.checkin", case_reach("case__"))
        policies.register_scope_paths("aftercare.outcomeevent", case_reach("case__"))
        demo.register_loader(
            "aftercare", lambda world: load_demo_aftercare(world.cases), order=50, step="Aftercare"
        )
        figures.connect()
