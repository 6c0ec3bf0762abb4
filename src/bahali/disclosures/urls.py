from django.urls import path

from bahali.disclosures import views

app_name = "disclosures"

urlpatterns = [
    path("<str:code>/disclosures/", views.disclosure_log, name="log"),
    path("<str:code>/subject-access/", views.subject_access, name="subject_access"),
]
