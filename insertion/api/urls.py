from django.urls import path

from insertion.api import views

urlpatterns = [
    path("insertion/teams/", views.TeamListView.as_view(), name="insertion-teams"),
    path("insertion/workers/", views.WorkerListView.as_view(), name="insertion-workers"),
    path("insertion/workers/<int:pk>/", views.WorkerDetailView.as_view(), name="insertion-worker"),
    path("insertion/jobs/", views.JobListView.as_view(), name="insertion-jobs"),
    path("insertion/assignments/", views.AssignmentCreateView.as_view(), name="insertion-assignments"),
    path("insertion/assignments/<int:pk>/", views.AssignmentDetailView.as_view(), name="insertion-assignment"),
    path("insertion/plan/", views.PlanView.as_view(), name="insertion-plan"),
    path("insertion/iae-return/", views.IaeReturnView.as_view(), name="insertion-iae-return"),
    path("insertion/timesheets/", views.TimesheetView.as_view(), name="insertion-timesheets"),
]
