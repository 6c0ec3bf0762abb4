from django.urls import path

from bahali.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.import_list, name="list"),
    path("imports/<int:pk>/", views.report, name="report"),
    path("imports/<int:pk>/map/", views.mapping, name="map"),
    path("imports/<int:pk>/run/", views.run, name="run"),
    path("imports/<int:pk>/undo/", views.undo, name="undo"),
]

urlpatterns += [
    path("imports/review/", views.queue, name="queue"),
    path("imports/review/accept/", views.accept, name="accept"),
    path("imports/review/<int:pk>/", views.cluster_page, name="cluster"),
    path("imports/review/<int:pk>/decide/", views.decide, name="decide"),
]
