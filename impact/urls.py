from django.urls import path

from impact import views

app_name = "impact"

urlpatterns = [
    path("impact/", views.dashboard, name="dashboard"),
    path("impact/export.csv", views.dashboard_csv, name="dashboard_csv"),
    path("impact/rapport.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("rapport-activite/", views.public_report_latest, name="public_report_latest"),
    path("rapport-activite/<year:year>/", views.public_report, name="public_report"),
]
