from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api import docs, views

app_name = "api"

router = SimpleRouter()
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("offices", views.OfficeViewSet, basename="office")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("provinces", views.ProvinceViewSet, basename="province")
router.register("districts", views.DistrictViewSet, basename="district")
router.register("subdistricts", views.SubdistrictViewSet, basename="subdistrict")
router.register("cases", views.CaseViewSet, basename="case")
router.register("referrals", views.ReferralViewSet, basename="referral")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", docs.RedocView.as_view(url_name="api:schema"), name="redoc"),
    path("redoc/redoc.standalone.js", docs.redoc_script, name="redoc-script"),
    path("events/", views.ChangesView.as_view(), name="changes"),
    path("cases/<str:reference>/", views.CaseViewSet.as_view({"get": "retrieve"}), name="case"),
    path("cases/<str:reference>/events/", views.CaseEventsView.as_view(), name="case-events"),
    path("cases/<str:reference>/files/", views.CaseFilesView.as_view(), name="case-files"),
    path("cases/<str:reference>/files/<int:pk>/", views.CaseFileView.as_view(), name="case-file"),
    *[
        path(f"cases/<str:reference>/{name}/", view.as_view(), name=f"case-{name}")
        for name, view in views.case_action_views().items()
    ],
    *[
        path(f"cases/<str:reference>/{name}/", view.as_view(), name=f"case-{name}")
        for name, view in views.transfer_answer_views().items()
    ],
    *[
        path(f"referrals/<int:pk>/{name}/", view.as_view(), name=f"referral-{name}")
        for name, view in views.referral_action_views().items()
    ],
    *router.urls,
]
