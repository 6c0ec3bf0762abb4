from django.urls import path

from bahali.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.create_token, name="create_token"),
    path("profile/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("acting-for/", views.switch_organisation, name="switch_organisation"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/end/", views.revoke_member, name="revoke_member"),
]
