from django.urls import path

from bahali.rights import views

app_name = "rights"

urlpatterns = [
    path("red-flags/", views.dashboard, name="dashboard"),
    path("red-flags/compute/", views.compute, name="compute"),
]
