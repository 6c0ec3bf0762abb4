from django.urls import path

from bahali.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.second_factor, name="second_factor"),
    path("sign-in/authenticator/", views.enrol, name="enrol"),
    path("sign-out/", views.sign_out, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.create_token, name="create_token"),
    path("profile/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("profile/recovery-codes/", views.renew_recovery_codes, name="renew_recovery_codes"),
    path("acting-for/", views.switch_organisation, name="switch_organisation"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/end/", views.revoke_member, name="revoke_member"),
    path(
        "members/user/<int:pk>/reset-second-factor/",
        views.reset_second_factor,
        name="reset_second_factor",
    ),
]
