"""Mounted under a structure's books: /comptabilite/<slug>/creances/ (config/urls.py)."""

from django.urls import path

from marketplace import receivables_views as views

app_name = "receivables"

urlpatterns = [
    path("", views.aged_balance, name="aged"),
    path("clients/<str:code>/releve/", views.statement, name="statement"),
    path("relances/", views.reminders, name="reminders"),
    path("relances/historique/", views.history, name="history"),
    path("factures/<int:invoice_id>/relancer/", views.send_reminder, name="send_reminder"),
    path("factures/<int:invoice_id>/penalites/", views.late_penalty, name="late_penalty"),
    path("factures/<int:invoice_id>/reglements/", views.invoice_payments, name="invoice_payments"),
    path("reglements/<int:pk>/annuler/", views.cancel_payment, name="cancel_payment"),
    path("suspendre/", views.pause, name="pause"),
    path("suspensions/<int:pk>/lever/", views.lift_pause, name="lift_pause"),
]
