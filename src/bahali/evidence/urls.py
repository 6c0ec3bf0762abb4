from django.urls import path

from bahali.evidence import export_views, research_views, views

app_name = "evidence"

urlpatterns = [
    path("", views.indicators, name="indicators"),
    path("indicators.csv", views.indicators_csv, name="indicators_csv"),
    path("indicators.xlsx", views.indicators_xlsx, name="indicators_xlsx"),
    path("participation/", views.participation, name="participation"),
    path("releases/", views.release_list, name="releases"),
    path("releases/<int:pk>/", views.release_detail, name="release"),
    path("releases/<int:pk>/release.json", views.release_file, name="release_file"),
    path(
        "releases/<int:pk>/verification.json",
        views.release_verification,
        name="release_verification",
    ),
    path("recidivism/", views.survival, name="recidivism"),
    path("recidivism.svg", views.survival_svg, name="recidivism_svg"),
    path("dashboard/", views.manager_dashboard, name="dashboard"),
    path("dashboard/<slug:chart>.svg", views.dashboard_svg, name="dashboard_svg"),
    path("dashboard/tables/<slug:table>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("dashboard/tables/<slug:table>.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("oversight/", views.oversight_report, name="oversight"),
    path("oversight.pdf", views.oversight_report_pdf, name="oversight_pdf"),
    path("exports/<slug:table>.<slug:fmt>", export_views.start, name="export"),
    path("oversight/dashboard/", views.oversight_dashboard, name="oversight_dashboard"),
    path(
        "oversight/dashboard/<slug:chart>.svg",
        views.oversight_dashboard_svg,
        name="oversight_dashboard_svg",
    ),
    path("oversight/dashboard/<slug:part>/", views.oversight_list, name="oversight_list"),
    path("figures/", views.figures, name="figures"),
    path("research/", research_views.research_page, name="research"),
    path("research/approvals/", research_views.grant, name="research_grant"),
    path("research/approvals/<int:pk>/revoke/", research_views.revoke, name="research_revoke"),
    path("research/dictionary.csv", research_views.dictionary, name="research_dictionary"),
]
