from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "bahali.referrals"
    label = "referrals"
    verbose_name = _("Services and referrals")

    def ready(self) -> None:
        from bahali.cases import tabs, timeline
        from bahali.core import work
        from bahali.referrals.timeline import referral_entries
        from bahali.referrals.work import referrals_waiting

        timeline.register(referral_entries)
        work.register(work.Source("referral", _("Referrals to answer"), referrals_waiting))
        tab = tabs.CaseTab("referrals", _("Referrals"), "referrals:case", "referral.read")
        if tab.key not in {t.key for t in tabs.CASE_TABS}:
            tabs.CASE_TABS.append(tab)
