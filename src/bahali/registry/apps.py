from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "bahali.registry"
    label = "registry"
    verbose_name = _("Participant registry")

    def ready(self) -> None:
        post_migrate.connect(_rekey_outstanding, sender=self, dispatch_uid="registry:rekey")
        from bahali.core import demo, navigation, work
        from bahali.registry.demo import load_demo_link_request, load_demo_participants
        from bahali.registry.work import link_requests_waiting

        # How scopes reach a link request is registered by the cases app (cases.scopes), with
        # the participant's: a steward reaches it through the programmes their organisation
        # leads as well as through the organisation's own links.

        work.register(
            work.Source(
                "link_request",
                _("Requests to work with a participant"),
                link_requests_waiting,
                list_url="registry:link_requests",
            )
        )
        item = navigation.NavItem(
            _("Link requests"),
            "registry:link_requests",
            "link-45deg",
            "link_review.read",
            "nav-link-requests",
        )
        if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
            navigation.NAVIGATION.append(item)
        demo.register_loader("registry", load_demo_participants, order=10, step="Participants")
        demo.register_loader(
            "link_requests",
            load_demo_link_request,
            order=25,
            step="A request to work with a participant held elsewhere",
        )


def _rekey_outstanding(sender: Any, **kwargs: Any) -> None:
    """After ``migrate``: the upgrade step when the stored blocking keys are of an earlier
    scheme (see ``registry.rekeying``)."""
    from bahali.registry.rekeying import outstanding

    outstanding(sender, **kwargs)
