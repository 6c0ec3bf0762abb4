from django.urls import path

from bahali.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.participant_list, name="list"),
    path("register/", views.register, name="register"),
    path("link-requests/", views.link_requests, name="link_requests"),
    path("link-requests/<int:pk>/", views.decide_link_request, name="decide_link_request"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/identity/", views.identity_panel, name="identity"),
    path("<str:code>/identity/edit/", views.edit_identity, name="edit"),
    path("<str:code>/consents/", views.add_consent, name="add_consent"),
    path("<str:code>/consents/<int:pk>/withdraw/", views.withdraw_consent, name="withdraw_consent"),
    path("<str:code>/pledges/", views.add_pledge, name="add_pledge"),
    path("<str:code>/merge/", views.merge, name="merge"),
    path("<str:code>/duplicates/", views.duplicates, name="duplicates"),
    path("<str:code>/different/", views.mark_different, name="mark_different"),
    path("<str:code>/merges/<int:pk>/undo/", views.undo_merge, name="undo_merge"),
]
