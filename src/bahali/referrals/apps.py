from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "bahali.referrals"
    label = "referrals"
    verbose_name = _("Services and referrals")

    def ready(self) -> None:
        from django.db import models

        from bahali.accounts import policies
        from bahali.cases import demo, tabs, timeline
        from bahali.cases.scopes import case_reach
        from bahali.core import work
        from bahali.referrals.demo import load_demo_referrals
        from bahali.referrals.timeline import referral_entries
        from bahali.referrals.work import referrals_waiting

        timeline.register(referral_entries)
        work.register(work.Source("referral", _("Referrals to answer"), referrals_waiting))
        for tab in (
            tabs.CaseTab("referrals", _("Referrals"), "referrals:case", "referral.read"),
            tabs.CaseTab(
                "family_support", _("Family support"), "referrals:family", "family_support.read"
            ),
        ):
            if tab.key not in {t.key for t in tabs.CASE_TABS}:
                tabs.CASE_TABS.append(tab)
        policies.register_scope_paths("referrals.familysupportplan", case_reach("case__"))
        policies.register_scope_paths("referrals.familyconsent", case_reach("member__case__"))
        policies.register_scope_paths(
            "referrals.referral",
            {
                **case_reach("case__"),
                policies.Scope.PROVIDER: lambda m, resource: models.Q(provider=m.organisation_id),
            },
        )
        demo.register_loader(
            "referrals",
            lambda world: load_demo_referrals(world.organisations, world.cases),
            order=40,
            step="Services and referrals",
        )
