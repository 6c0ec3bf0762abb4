from django.urls import path

from bahali.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("sign-offs/", views.queue, name="queue"),
    path("my-work/", views.my_work, name="work"),
    path("emergency/", views.emergency, name="emergency"),
    path("emergency/review/", views.emergency_review, name="emergency_review"),
    path("emergency/<int:pk>/review/", views.review_emergency, name="review_emergency"),
    path("enrol/<str:code>/", views.enrol, name="enrol"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/team/", views.add_member, name="add_member"),
    path("<int:pk>/team/<int:member_pk>/leave/", views.remove_member, name="remove_member"),
    path("<int:pk>/transitions/", views.request_transition, name="request_transition"),
    path("<int:pk>/transitions/<int:request_pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/transitions/<int:request_pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/transitions/<int:request_pk>/override/", views.override, name="override"),
    path("<int:pk>/objections/<int:sign_off_pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/objections/<int:sign_off_pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/close/", views.close, name="close"),
]
