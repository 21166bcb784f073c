"""Referrals to or from the caller's agencies, and their actions."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import exceptions, generics, viewsets
from rest_framework.response import Response

from agencies import permissions
from agencies.replica import replica_reads
from api import actions as api_actions
from api import serializers
from api.views.common import (
    ApiView,
    NewestFirst,
    action_views,
    etag_of,
    expected_version,
)
from referrals.models import Referral


@extend_schema(tags=["referrals"])
class ReferralViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    """Referrals to or from the caller's agencies, on cases they may see."""

    serializer_class = serializers.ReferralSerializer
    pagination_class = NewestFirst
    queryset = Referral.objects.none()  # typed path parameters for the schema

    @extend_schema(
        parameters=[
            OpenApiParameter("direction", str, enum=["incoming", "outgoing"]),
            OpenApiParameter("status", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        # The caller and their key were checked on the primary; the list may lag a moment.
        with replica_reads():
            return super().list(request, *args, **kwargs)

    def get_queryset(self):
        working = permissions.working_agency_ids(self.request.user)
        referrals = Referral.objects.select_related("case", "from_agency", "to_agency")
        direction = self.request.query_params.get("direction")
        if direction == "incoming":
            referrals = referrals.filter(to_agency__in=working)
        elif direction == "outgoing":
            referrals = referrals.filter(from_agency__in=working)
        elif direction:
            raise exceptions.ValidationError({"direction": [_("incoming or outgoing.")]})
        else:
            referrals = referrals.filter(to_agency__in=working) | referrals.filter(
                from_agency__in=working
            )
        if self.request.query_params.get("status"):
            referrals = referrals.filter(status=self.request.query_params["status"])
        return permissions.visible_cases(self.request.user, referrals, through="case")


def _referral_or_404(request, pk) -> Referral:
    referral = ReferralViewSet(request=request).get_queryset().filter(pk=pk).first()
    if referral is None:
        raise exceptions.NotFound(_("No such referral."))
    return referral


class ReferralActionView(ApiView, generics.GenericAPIView):
    action_name = ""

    def post(self, request, pk):
        spec = api_actions.REFERRAL_ACTIONS[self.action_name]
        referral = _referral_or_404(request, pk)
        incoming = spec.serializer(data=request.data)
        incoming.is_valid(raise_exception=True)

        def current_tag():
            return etag_of(serializers.ReferralSerializer(referral).data)

        expected = expected_version(request, current_tag, incoming.validated_data, referral.version)
        referral = spec.run(referral, request.user, incoming.validated_data, expected)
        data = serializers.ReferralSerializer(referral).data
        return Response(data, headers={"ETag": etag_of(data)})


def referral_action_views() -> dict:
    """One view per action on a referral, each with its own input in the schema."""
    return action_views(
        {name: spec.serializer for name, spec in api_actions.REFERRAL_ACTIONS.items()},
        ReferralActionView,
        kind="referral",
        tag="referrals",
        responses={200: serializers.ReferralSerializer},
    )
