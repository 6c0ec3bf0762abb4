from django.urls import path

from bahali.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("<slug:code>/", views.detail, name="detail"),
    path("<slug:code>/edit/", views.edit, name="edit"),
    path("<slug:code>/phases/new/", views.phase_form, name="add_phase"),
    path("<slug:code>/phases/<int:pk>/", views.phase_form, name="edit_phase"),
    path("<slug:code>/phases/<int:pk>/delete/", views.delete_phase, name="delete_phase"),
    path("<slug:code>/transitions/new/", views.transition_form, name="add_transition"),
    path("<slug:code>/transitions/<int:pk>/", views.transition_form, name="edit_transition"),
    path(
        "<slug:code>/transitions/<int:pk>/delete/",
        views.delete_transition,
        name="delete_transition",
    ),
]
