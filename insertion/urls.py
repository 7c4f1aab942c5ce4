from django.urls import path

from insertion import views

app_name = "insertion"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.structure_home, name="structure"),
    path("<slug:slug>/semaine/<isoweek:monday>/", views.board, name="board"),
    path("<slug:slug>/semaine/<isoweek:monday>/synchroniser/", views.synchronise, name="synchronise"),
    path("<slug:slug>/semaine/<isoweek:monday>/planifier/", views.plan, name="plan"),
    path("<slug:slug>/semaine/<isoweek:monday>/accepter/", views.accept, name="accept"),
    path("<slug:slug>/semaine/<isoweek:monday>/ecarter/", views.discard, name="discard"),
    path("<slug:slug>/interventions/<int:job_id>/affecter/", views.assign, name="assign"),
    path("<slug:slug>/interventions/<int:job_id>/retirer/", views.unassign_seat, name="unassign_seat"),
    path("<slug:slug>/interventions/<int:job_id>/choisir/", views.picker, name="picker"),
    path("<slug:slug>/affectations/<int:assignment_id>/retirer/", views.unassign, name="unassign"),
    path("<slug:slug>/affectations/<int:assignment_id>/verrouiller/", views.lock, name="lock"),
    path("<slug:slug>/alertes/<int:alert_id>/vue/", views.see_alert, name="see_alert"),
    path("<slug:slug>/salaries/", views.workers, name="workers"),
    path("<slug:slug>/salaries/<int:pk>/", views.worker_detail, name="worker"),
    path("<slug:slug>/salaries/<int:pk>/sortie/", views.record_exit, name="record_exit"),
    path("<slug:slug>/sorties/", views.exits, name="exits"),
    path("<slug:slug>/etat-mensuel/", views.iae_return_latest, name="iae_return_latest"),
    path("<slug:slug>/etat-mensuel/<year:year>/<month:month>/", views.iae_return, name="iae_return"),
    path("<slug:slug>/heures/<year:year>/<month:month>/", views.hours, name="hours"),
    path("<slug:slug>/releves/<isodate:day>/", views.timesheet, name="timesheet"),
]
