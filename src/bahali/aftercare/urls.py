from django.urls import path

from bahali.aftercare import views

app_name = "aftercare"

urlpatterns = [
    path("cases/<int:pk>/aftercare/", views.case_aftercare, name="case"),
    path(
        "cases/<int:pk>/aftercare/<int:check_in_pk>/record/",
        views.record_check_in,
        name="record",
    ),
    path(
        "cases/<int:pk>/aftercare/<int:check_in_pk>/acknowledge/",
        views.acknowledge_warning,
        name="acknowledge",
    ),
    path("cases/<int:pk>/outcomes/", views.outcomes, name="outcomes"),
    path("cases/<int:pk>/outcomes/report/", views.report, name="report"),
    path("cases/<int:pk>/outcomes/<int:event_pk>/verify/", views.verify, name="verify"),
    path("programmes/<slug:code>/aftercare/", views.dashboard, name="dashboard"),
]
