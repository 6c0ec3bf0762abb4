from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "bahali.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from bahali.accounts.policies import Scope, register_scope_paths
        from bahali.evidence import exports, figures, ratings  # noqa: F401 - exports: a job kind

        register_scope_paths(
            "evidence.researchapproval",
            {Scope.OWN_ORGANISATION: "organisation", Scope.SELF: "researcher"},
        )
        ratings.connect(self)  # the stored figure behind "change in domain ratings"
        figures.connect(self)  # the stored per-case figures (recidivism, phases, reassessments)
        from bahali.cases import demo
        from bahali.core import navigation
        from bahali.evidence.demo import (
            load_demo_evidence,
            load_demo_figures,
            load_demo_history,
            load_demo_oversight,
            load_demo_research,
        )

        item = navigation.NavItem(
            _("Evidence"),
            "evidence:indicators",
            "bar-chart-line",
            "aggregate_report.read",
            "nav-evidence",
        )
        report = navigation.NavItem(
            _("Oversight report"),
            "evidence:oversight",
            "clipboard-check",
            "oversight_report.read",
            "nav-oversight-report",
        )
        watch = navigation.NavItem(
            _("Oversight dashboard"),
            "evidence:oversight_dashboard",
            "binoculars",
            "oversight_report.read",
            "nav-oversight-dashboard",
        )
        board = navigation.NavItem(
            _("Dashboard"),
            "evidence:dashboard",
            "speedometer2",
            "programme_dashboard.read",
            "nav-dashboard",
        )
        study = navigation.NavItem(
            _("Research extract"),
            "evidence:research",
            "journal-medical",
            "research_approval.read",
            "nav-research",
        )
        for entry in (item, board, watch, report, study):
            if entry.url_name not in {n.url_name for n in navigation.NAVIGATION}:
                navigation.NAVIGATION.append(entry)
        demo.register_loader(
            "evidence_history", load_demo_history, order=14, step="Three years of history"
        )
        demo.register_loader(
            "evidence", lambda world: load_demo_evidence(), order=90, step="Evidence"
        )
        demo.register_loader(
            "oversight", lambda world: load_demo_oversight(), order=91, step="Oversight"
        )
        demo.register_loader(
            "research", lambda world: load_demo_research(), order=92, step="Research extract"
        )
        # the demo's history is written with updates that bypass save(): rebuild what is
        # derived from it once every loader has run
        demo.register_loader(
            "evidence_figures",
            lambda world: load_demo_figures(),
            order=99,
            step="Stored evidence figures",
        )
