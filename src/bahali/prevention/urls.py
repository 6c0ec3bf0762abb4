from django.urls import path

from bahali.prevention import views

app_name = "prevention"

urlpatterns = [
    path("prevention/", views.initiatives, name="initiatives"),
    path("prevention/initiatives/new/", views.register, name="register"),
    path("prevention/initiatives/<int:pk>/", views.initiative, name="initiative"),
    path("prevention/initiatives/<int:pk>/edit/", views.edit, name="edit"),
    path("prevention/initiatives/<int:pk>/grants/", views.add_grant, name="add_grant"),
    path("prevention/initiatives/<int:pk>/activities/", views.add_activity, name="add_activity"),
    path("prevention/grants/<int:pk>/payments/", views.add_disbursement, name="add_disbursement"),
    path("prevention/4w/", views.matrix, name="matrix"),
    path("prevention/districts/", views.districts, name="districts"),
    path("prevention/districts/indicators/", views.define_indicator, name="define_indicator"),
    path("prevention/districts/import/", views.import_values, name="import"),
    path("prevention/gaps/", views.gap_analysis, name="gaps"),
    path("prevention/gaps/drivers/", views.refresh_drivers, name="refresh_drivers"),
    path("prevention/advice/", views.advice, name="advice"),
    path("prevention/advice/new/", views.log_advice, name="log_advice"),
    path("prevention/surveys/", views.survey_rounds, name="surveys"),
    path("prevention/surveys/new/", views.plan_survey_round, name="plan_survey"),
    path("prevention/surveys/<int:pk>/", views.survey_round, name="survey"),
    path("prevention/surveys/<int:pk>/respond/", views.survey_respond, name="survey_respond"),
    path("prevention/surveys/<int:pk>/close/", views.close_survey_round, name="close_survey"),
]
