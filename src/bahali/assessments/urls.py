from django.urls import path

from bahali.assessments import views

app_name = "assessments"

urlpatterns = [
    path("cases/<int:pk>/assessments/", views.case_assessments, name="list"),
    path("cases/<int:pk>/assessments/compare/", views.compare, name="compare"),
    path("cases/<int:pk>/assessments/<int:assessment_pk>/", views.fill, name="fill"),
    path("cases/<int:pk>/assessments/<int:assessment_pk>/correct/", views.correct, name="correct"),
    path("cases/<int:pk>/assessments/<int:assessment_pk>/discard/", views.discard, name="discard"),
    path("cases/<int:pk>/assessments/<int:assessment_pk>/goals/", views.goals, name="goals"),
    path("assessments/instruments/", views.instrument_list, name="instruments"),
    path("assessments/instruments/import/", views.import_instrument, name="import"),
    path("assessments/instruments/<slug:code>/", views.instrument_detail, name="instrument"),
    path("assessments/instruments/<slug:code>/activation/", views.activation, name="activation"),
    path(
        "assessments/instruments/<slug:code>/versions/<int:number>/publish/",
        views.publish,
        name="publish",
    ),
    path(
        "assessments/instruments/<slug:code>/versions/<int:number>/xlsform/",
        views.export,
        name="export",
    ),
    path("assessments/programmes/<slug:code>/factors/", views.factors, name="factors"),
    path(
        "cases/<int:pk>/assessments/<int:assessment_pk>/calibration/",
        views.request_calibration,
        name="request_calibration",
    ),
    path("assessments/blind/<str:code>/", views.blind_rating, name="calibration"),
    path("assessments/instruments/<slug:code>/agreement/", views.agreement, name="agreement"),
    path(
        "assessments/instruments/<slug:code>/training-required/",
        views.training_required,
        name="training_required",
    ),
    path("assessments/training/", views.training, name="training"),
]
