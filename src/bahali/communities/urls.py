from django.urls import path

from bahali.communities import views

app_name = "communities"

urlpatterns = [
    path("communities/", views.community_list, name="list"),
    path("communities/<int:pk>/", views.detail, name="detail"),
    path("communities/<int:pk>/committee/", views.form_committee, name="form_committee"),
    path("communities/<int:pk>/members/", views.add_member, name="add_member"),
    path(
        "communities/<int:pk>/members/<int:member_pk>/leave/",
        views.end_member,
        name="end_member",
    ),
    path("communities/<int:pk>/dialogues/new/", views.new_dialogue, name="new_dialogue"),
    path(
        "communities/<int:pk>/dialogues/<int:dialogue_pk>/follow-ups-done/",
        views.follow_ups_done,
        name="follow_ups_done",
    ),
    path("communities/<int:pk>/readiness/", views.start_readiness, name="start_readiness"),
    path(
        "communities/<int:pk>/readiness/<int:assessment_pk>/",
        views.readiness_assessment,
        name="readiness",
    ),
    path(
        "communities/<int:pk>/readiness/<int:assessment_pk>/correct/",
        views.correct_readiness,
        name="correct_readiness",
    ),
    path(
        "communities/<int:pk>/readiness/<int:assessment_pk>/discard/",
        views.discard_readiness,
        name="discard_readiness",
    ),
    path("cases/<int:pk>/community/", views.case_community, name="case"),
    path("cases/<int:pk>/community/benefits/", views.record_benefit, name="record_benefit"),
    path(
        "cases/<int:pk>/community/benefits/<int:benefit_pk>/paid/",
        views.benefit_paid,
        name="benefit_paid",
    ),
    path("programmes/<slug:code>/support-share/", views.support_share, name="support_share"),
]
