from django.urls import path

from bahali.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.rules, name="rules"),
    path("rules/<slug:code>/", views.edit_rule, name="edit_rule"),
    path("due/", views.due, name="due"),
    path("due/run/", views.run, name="run"),
    path("holds/", views.holds, name="holds"),
    path("holds/new/", views.place_hold, name="place_hold"),
    path("holds/<int:pk>/lift/", views.lift_hold, name="lift_hold"),
]
