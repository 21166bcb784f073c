"""The changes feed."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers
from api.views.common import (
    ApiView,
)
from referrals import changes


@extend_schema(
    tags=["changes"],
    parameters=[
        OpenApiParameter(
            "after", str, description=_("The cursor of the last page (start with 0.0).")
        ),
        OpenApiParameter("limit", int, description=_("At most 500 (100 by default).")),
    ],
    responses=serializers.FeedPageSerializer,
)
class ChangesView(ApiView, APIView):
    """Every timeline event of the cases the caller may see, in the order written: ask
    again with the cursor ``next`` to stay in step; no event is missed or repeated."""

    def get(self, request):
        after = request.query_params.get("after") or changes.START
        if not changes.valid_cursor(after):
            raise exceptions.ValidationError({"after": [_("Not a cursor of this feed.")]})
        try:
            limit = min(max(int(request.query_params.get("limit", 100)), 1), 500)
        except ValueError as error:
            raise exceptions.ValidationError({"limit": [_("A whole number.")]}) from error
        page = changes.changes(request.user, after, limit)
        events = serializers.EventSerializer(page.events, many=True).data
        return Response({"results": events, "next": page.cursor})
