"""Reference data: agencies, offices, help categories and places."""

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import viewsets

from agencies.models import Agency, District, Office, Province, Subdistrict
from api import serializers
from api.views.common import (
    ApiView,
    ByCode,
    ById,
)
from referrals import selectors


class ReferenceViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    pagination_class = ByCode
    filter_by: dict = {}

    def get_queryset(self):
        queryset = self.queryset
        for parameter, field in self.filter_by.items():
            value = self.request.query_params.get(parameter)
            if value:
                queryset = queryset.filter(**{field: value})
        return queryset


def _filters(*names, help_text=""):
    return extend_schema(
        parameters=[OpenApiParameter(name, str, description=help_text) for name in names]
    )


@extend_schema(tags=["reference data"])
class AgencyViewSet(ReferenceViewSet):
    queryset = Agency.objects.filter(is_active=True)
    serializer_class = serializers.AgencySerializer


@extend_schema(tags=["reference data"])
@_filters("agency", "province")
class OfficeViewSet(ReferenceViewSet):
    queryset = Office.objects.filter(is_active=True, agency__is_active=True).select_related(
        "agency"
    )
    serializer_class = serializers.OfficeSerializer
    lookup_field = "pk"
    pagination_class = ById
    filter_by = {"agency": "agency__code", "province": "province_id"}


@extend_schema(tags=["reference data"])
class CategoryViewSet(ReferenceViewSet):
    queryset = selectors.help_categories().select_related("strategy")
    serializer_class = serializers.CategorySerializer


@extend_schema(tags=["reference data"])
class ProvinceViewSet(ReferenceViewSet):
    queryset = Province.objects.all()
    serializer_class = serializers.ProvinceSerializer


@extend_schema(tags=["reference data"])
@_filters("province")
class DistrictViewSet(ReferenceViewSet):
    queryset = District.objects.all()
    serializer_class = serializers.DistrictSerializer
    filter_by = {"province": "province_id"}


@extend_schema(tags=["reference data"])
@_filters("district")
class SubdistrictViewSet(ReferenceViewSet):
    queryset = Subdistrict.objects.all()
    serializer_class = serializers.SubdistrictSerializer
    filter_by = {"district": "district_id"}
