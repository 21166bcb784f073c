from django.urls import path

from portal.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("agencies/", views.agencies, name="agencies"),
    path("provinces/", views.provinces, name="provinces"),
    path("provinces/<slug:code>/", views.province, name="province"),
    path("strategies/", views.strategies, name="strategies"),
    path("cases/", views.cases, name="cases"),
    path("recount/", views.recount, name="recount"),
]
