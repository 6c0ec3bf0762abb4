from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "bahali.communities"
    label = "communities"
    verbose_name = _("Communities and committees")

    def ready(self) -> None:
        from bahali.accounts import policies
        from bahali.cases import demo, tabs, timeline
        from bahali.cases.scopes import case_reach
        from bahali.communities import scopes
        from bahali.communities.demo import load_demo_beneficiaries, load_demo_communities
        from bahali.communities.timeline import dialogue_entries
        from bahali.communities.views import oversight_support_panel
        from bahali.communities.work import dialogue_follow_ups
        from bahali.core import figures, navigation, work

        timeline.register(dialogue_entries)
        work.register(
            work.Source("dialogue_follow_up", _("Dialogue follow-ups"), dialogue_follow_ups)
        )
        tab = tabs.CaseTab(
            "community", _("Community"), "communities:case", "community_readiness.read"
        )
        if tab.key not in {t.key for t in tabs.CASE_TABS}:
            tabs.CASE_TABS.append(tab)
        # for those who work with committees (their members, programme managers); case teams
        # and oversight reach a community from a case's Community tab
        item = navigation.NavItem(
            _("Communities"),
            "communities:list",
            "people-fill",
            "community_readiness.write",
            "nav-communities",
        )
        if item.url_name not in {n.url_name for n in navigation.NAVIGATION}:
            navigation.NAVIGATION.append(item)
        scopes.register()
        policies.register_scope_paths("communities.communitybenefit", case_reach("case__"))
        figures.register(
            figures.Panel(
                "support_share",
                "communities/_figures_support_share.html",
                oversight_support_panel,
            )
        )
        demo.register_loader(
            "communities",
            lambda world: load_demo_communities(world.organisations, world.district),
            order=30,
            step="Communities, committees and dialogues",
        )
        # after referrals (40): the family's services come from the directory
        demo.register_loader(
            "beneficiaries",
            lambda world: load_demo_beneficiaries(world.cases),
            order=45,
            step="Families and receiving communities as beneficiaries",
        )
