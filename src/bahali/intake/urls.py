from django.urls import path

from bahali.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("refusal-rates/", views.refusal_rates, name="rates"),
    path("new/<str:code>/", views.new_referral, name="new"),
    path("criteria/<slug:code>/", views.programme_criteria, name="criteria"),
    path("criteria/<slug:code>/legal-basis/", views.legal_basis, name="legal_basis"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/screen/", views.screen, name="screen"),
    path("<int:pk>/enrol/", views.enrol, name="enrol"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("groups/", views.groups, name="groups"),
    path("staff/", views.staff_sex, name="staff_sex"),
    path("criteria/<slug:code>/women-rule/", views.women_rule, name="women_rule"),
    path("classification/<str:code>/", views.classification, name="classification"),
]
