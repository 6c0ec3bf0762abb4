from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "bahali.intake"
    label = "intake"
    verbose_name = _("Referrals and screening before enrolment")

    def ready(self) -> None:
        from bahali.cases import alerts, demo
        from bahali.cases import services as cases
        from bahali.core import figures, navigation
        from bahali.intake import scopes, services, women
        from bahali.intake.demo import load_demo_intake
        from bahali.intake.panels import referrals_panel
        from bahali.registry import panels

        alerts.register(women.case_alerts)
        figures.register(
            figures.Panel("women_staff", "intake/_figures_women.html", women.oversight_panel)
        )
        scopes.register()
        if services.enrolment_check not in cases.ENROLMENT_CHECKS:
            cases.ENROLMENT_CHECKS.append(services.enrolment_check)
        if services.enrolled not in cases.ENROLLED:
            cases.ENROLLED.append(services.enrolled)
        panels.register(panels.Panel("intake", "intake/_panel.html", referrals_panel))
        item = navigation.NavItem(
            _("Referrals in"),
            "intake:queue",
            "box-arrow-in-right",
            None,
            "nav-intake",
            any_of=("intake_referral.read",),
        )
        if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
            navigation.NAVIGATION.append(item)
        demo.register_loader("intake", load_demo_intake, order=15, step="Referrals and screening")
