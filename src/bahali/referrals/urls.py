from django.urls import path

from bahali.referrals import views

app_name = "referrals"

urlpatterns = [
    path("services/", views.directory, name="directory"),
    path("services/<int:service_pk>/active/", views.toggle_service, name="toggle_service"),
    path("referrals/received/", views.inbox, name="inbox"),
    path("referrals/<int:referral_pk>/answer/", views.respond, name="respond"),
    path("referrals/<int:referral_pk>/complete/", views.complete, name="complete"),
    path("cases/<int:pk>/referrals/", views.case_referrals, name="case"),
    path("cases/<int:pk>/referrals/<int:referral_pk>/withdraw/", views.cancel, name="cancel"),
    path("cases/<int:pk>/family-support/", views.family_support, name="family"),
    path(
        "cases/<int:pk>/family-support/consents/<int:consent_pk>/withdraw/",
        views.withdraw_family_consent,
        name="withdraw_family_consent",
    ),
]
