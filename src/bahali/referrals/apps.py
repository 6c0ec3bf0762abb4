from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "bahali.referrals"
    label = "referrals"
    verbose_name = _("Services and referrals")

    def ready(self) -> None:
        from bahali.cases import tabs, timeline, work
        from bahali.core import navigation
        from bahali.referrals.timeline import referral_entries
        from bahali.referrals.work import referrals_waiting

        timeline.register(referral_entries)
        work.register(referrals_waiting)
        tab = tabs.CaseTab("referrals", _("Referrals"), "referrals:case", "referral.read")
        if tab.key not in {t.key for t in tabs.CASE_TABS}:
            tabs.CASE_TABS.append(tab)
        for item in (
            navigation.NavItem(
                _("Services"),
                "referrals:directory",
                "signpost-split",
                "service_directory.read",
                "nav-services",
            ),
            navigation.NavItem(
                _("Referrals received"),
                "referrals:inbox",
                "envelope-paper",
                "referral.read",
                "nav-referrals",
            ),
        ):
            if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
                navigation.NAVIGATION.append(item)
