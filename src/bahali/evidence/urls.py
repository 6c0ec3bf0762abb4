from django.urls import path

from bahali.evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.indicators, name="indicators"),
    path("indicators.csv", views.indicators_csv, name="indicators_csv"),
    path("indicators.xlsx", views.indicators_xlsx, name="indicators_xlsx"),
    path("participation/", views.participation, name="participation"),
    path("recidivism/", views.survival, name="recidivism"),
    path("recidivism.svg", views.survival_svg, name="recidivism_svg"),
]
