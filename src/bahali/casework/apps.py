from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "bahali.casework"
    label = "casework"
    verbose_name = _("Casework")

    def ready(self) -> None:
        from bahali.accounts import policies
        from bahali.cases import demo, due, timeline
        from bahali.cases import services as cases
        from bahali.cases.scopes import case_reach
        from bahali.casework import services
        from bahali.casework.demo import load_demo
        from bahali.casework.models import Goal, MentorAssignment, MentorMeeting
        from bahali.casework.timeline import casework_entries
        from bahali.casework.work import mentor_meetings, plan_reviews
        from bahali.core import work

        if services.end_mentoring_of_leaving_member not in cases.MEMBER_LEFT:
            cases.MEMBER_LEFT.append(services.end_mentoring_of_leaving_member)
        timeline.register(casework_entries)
        work.register(work.Source("plan_review", _("Plan reviews"), plan_reviews))
        work.register(work.Source("mentor_meeting", _("Mentor meetings"), mentor_meetings))
        due.register(due.DueSource(Goal, services.reviews_due, keep=services.keep_reviews_from))
        due.register(
            due.DueSource(
                MentorAssignment,
                services.meetings_due,
                also=(MentorMeeting,),
                case_of=lambda row: (
                    row.case_id if isinstance(row, MentorAssignment) else row.assignment.case_id
                ),
            )
        )
        for label, prefix in (
            ("casework.goal", "case__"),
            ("casework.goalreview", "goal__case__"),
            ("casework.attendance", "case__"),  # sessions: through attendance
            ("casework.note", "case__"),
            ("casework.familymember", "case__"),
            ("casework.mentorassignment", "case__"),
            ("casework.mentormeeting", "assignment__case__"),
            ("casework.supportitem", "case__"),
        ):
            policies.register_scope_paths(label, case_reach(prefix))
        demo.register_loader(
            "casework", load_demo, order=10, step="Plans, sessions, notes and support"
        )
