from django.urls import path

from strategies import views

app_name = "plan"
urlpatterns = [
    path("", views.project_list, name="projects"),
    path("projects/new/", views.project_edit, name="project_new"),
    path("projects/<str:code>/", views.project_detail, name="project"),
    path("projects/<str:code>/edit/", views.project_edit, name="project_edit"),
    path("projects/<str:code>/activities/new/", views.activity_edit, name="activity_new"),
    path(
        "projects/<str:code>/activities/<int:activity_id>/",
        views.activity_edit,
        name="activity_edit",
    ),
    path("indicators/<int:indicator_id>/report/", views.indicator_report, name="indicator_report"),
]
