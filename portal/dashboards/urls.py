from django.urls import path

from portal.dashboards.views import agencies, cases, overview, provinces, reading, strategies

app_name = "dashboards"
urlpatterns = [
    path("", overview.overview, name="overview"),
    path("agencies/", agencies.agencies, name="agencies"),
    path("provinces/", provinces.provinces, name="provinces"),
    path("provinces/<slug:code>/", provinces.province, name="province"),
    path("strategies/", strategies.strategies, name="strategies"),
    path("cases/", cases.cases, name="cases"),
    path("recount/", reading.recount, name="recount"),
]
