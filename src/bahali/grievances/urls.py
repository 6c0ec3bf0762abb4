from django.urls import path

from bahali.grievances import views

app_name = "grievances"

urlpatterns = [
    path("grievance/", views.public_form, name="public"),
    path("grievances/", views.grievance_list, name="list"),
    path("grievances/lodge/", views.lodge, name="lodge"),
    path("grievances/about-us/", views.about_us, name="about_us"),
    path("grievances/<int:pk>/", views.detail, name="detail"),
    path("grievances/<int:pk>/complainant/", views.complainant, name="complainant"),
    path("grievances/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("grievances/<int:pk>/resolve/", views.resolve, name="resolve"),
]
