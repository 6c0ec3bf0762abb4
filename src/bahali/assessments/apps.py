from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "bahali.assessments"
    label = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from bahali.accounts import policies
        from bahali.assessments import figures as assessment_figures
        from bahali.assessments import services
        from bahali.assessments.demo import load_demo_assessments, load_demo_calibration
        from bahali.assessments.models import Assessment
        from bahali.assessments.timeline import assessment_entries
        from bahali.assessments.work import blind_ratings, reassessments
        from bahali.cases import demo, due, tabs, timeline
        from bahali.cases.models import PhaseChange
        from bahali.cases.scopes import case_reach
        from bahali.core import figures, work

        timeline.register(assessment_entries)
        work.register(work.Source("reassessment", _("Reassessments"), reassessments))
        figures.register(
            figures.Panel(
                "caseload", "assessments/_figures_caseload.html", assessment_figures.caseload
            )
        )
        # A progress reassessment falling due makes the case due; a new phase moves the date.
        due.register(
            due.DueSource(
                Assessment,
                services.reassessment_due_dates,
                also=(PhaseChange,),
                column="reassess_on",
            )
        )
        if not any(tab.key == "assessments" for tab in tabs.CASE_TABS):
            after_plan = next(
                (i + 1 for i, tab in enumerate(tabs.CASE_TABS) if tab.key == "plan"),
                len(tabs.CASE_TABS),
            )
            tabs.CASE_TABS.insert(
                after_plan,
                tabs.CaseTab(
                    "assessments", _("Assessments"), "assessments:list", "assessment_band.read"
                ),
            )
        policies.register_scope_paths("assessments.assessment", case_reach("case__"))
        policies.register_scope_paths(
            "assessments.calibration",
            {**case_reach("assessment__case__"), policies.Scope.SELF: "second_assessor"},
        )
        policies.register_scope_paths("assessments.training", {policies.Scope.SELF: "user"})
        work.register(work.Source("calibration", _("Blind second ratings"), blind_ratings))
        policies.register_scope_paths(
            "assessments.instrument", {policies.Scope.OWN_ORGANISATION: "organisation"}
        )
        demo.register_loader(
            "assessments",
            lambda world: load_demo_assessments(world.cases),
            order=20,
            step="Assessments",
        )
        demo.register_loader(
            "calibration",
            lambda world: load_demo_calibration(),
            order=22,
            step="Assessors' training and blind second ratings",
        )
        assessment_figures.connect()
