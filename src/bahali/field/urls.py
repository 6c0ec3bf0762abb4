from django.urls import path

from bahali.field import openrosa, views

app_name = "field"

urlpatterns = [
    # the OpenRosa server (ODK Collect, KoboCollect): device credentials, no session
    path("openrosa/formList", openrosa.form_list, name="form_list"),
    path("openrosa/forms/<slug:form_id>/form.xml", openrosa.form_download, name="form"),
    path("openrosa/forms/<slug:form_id>/manifest", openrosa.manifest, name="manifest"),
    path("openrosa/forms/<slug:form_id>/media/<str:filename>", openrosa.media, name="media"),
    path("openrosa/submission", openrosa.submission, name="submission"),
    # pages
    path("field/devices/", views.devices, name="devices"),
    path("field/devices/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("field/submissions/", views.submissions, name="submissions"),
    path("field/submissions/<int:pk>/correct/", views.correct, name="correct"),
    path("field/conflicts/", views.conflicts, name="conflicts"),
    path("field/conflicts/<int:pk>/", views.conflict, name="conflict"),
    path("field/offline/", views.offline, name="offline"),
    path("field/offline/submit/", views.offline_submit, name="offline_submit"),
    path("field/offline/draft-key/", views.draft_key, name="draft_key"),
    path("field/manifest.webmanifest", views.web_manifest, name="web_manifest"),
    path("field/worker.js", views.worker, name="worker"),
    path("field/card/<int:case_pk>/", views.card, name="card"),
]
