from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosuresConfig(AppConfig):
    """Who saw a participant's data and why, and subject access (issue 14, items 4 and 6).

    A read model over what the other apps already record (the audit trail's identity reads
    and partner reads, referrals, transfers, emergency accesses): it adds no table. Its panel
    joins the participant's page through ``bahali.registry.panels``.
    """

    name = "bahali.disclosures"
    label = "disclosures"
    verbose_name = _("Who saw the data")

    def ready(self) -> None:
        from bahali.core import demo
        from bahali.disclosures.demo import load_demo_disclosures
        from bahali.disclosures.panels import DISCLOSURES_PANEL
        from bahali.registry import panels

        panels.register(DISCLOSURES_PANEL)
        demo.register_loader(
            "disclosures", load_demo_disclosures, order=95, step="Who saw the data"
        )
