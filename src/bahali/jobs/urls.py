from django.urls import path

from bahali.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("<str:pk>/", views.detail, name="detail"),
    path("<str:pk>/download/", views.download, name="download"),
]
