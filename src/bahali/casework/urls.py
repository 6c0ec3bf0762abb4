from django.urls import path

from bahali.casework import views

app_name = "casework"

urlpatterns = [
    path("sessions/new/", views.group_session, name="group_session"),
    path("<int:pk>/plan/", views.plan, name="plan"),
    path("<int:pk>/plan/goals/<int:goal_pk>/edit/", views.edit_goal, name="edit_goal"),
    path("<int:pk>/plan/goals/<int:goal_pk>/review/", views.review_goal, name="review_goal"),
    path("<int:pk>/sessions/", views.sessions, name="sessions"),
    path("<int:pk>/notes/", views.notes, name="notes"),
    path("<int:pk>/security-notes/", views.security_notes, name="security_notes"),
    path("<int:pk>/family/", views.family, name="family"),
    path("<int:pk>/family/<int:member_pk>/contact/", views.family_contact, name="family_contact"),
    path("<int:pk>/mentoring/", views.mentoring, name="mentoring"),
    path(
        "<int:pk>/mentoring/<int:assignment_pk>/meetings/",
        views.log_meeting,
        name="log_meeting",
    ),
    path(
        "<int:pk>/mentoring/<int:assignment_pk>/end/",
        views.end_mentoring,
        name="end_mentoring",
    ),
    path("<int:pk>/support/", views.support, name="support"),
    path("<int:pk>/support/<int:item_pk>/paid/", views.mark_paid, name="mark_paid"),
]
