"""Cases: the list, a new case, one case, its actions, its timeline and its files."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies import permissions
from agencies.models import Agency
from agencies.permissions import Action
from agencies.replica import replica_reads
from api import actions as api_actions
from api import serializers
from api.errors import Conflict
from api.services import IdempotencyMismatch, create_case_once, fingerprint
from api.views.common import (
    ApiView,
    NewestFirst,
    action_views,
    etag_of,
    expected_version,
    matches,
)
from referrals import actions, selectors
from referrals.downloads import file_download
from referrals.forms import QueueFilterForm
from referrals.models import Case, CaseEvent
from referrals.selectors import Tab
from referrals.services import NewCase
from referrals.services.access_log import Read, record_access

API_TABS = [Tab.ALL, Tab.NEW, Tab.MINE, Tab.WAITING, Tab.OVERDUE]


def _case_or_404(user, reference: str, action: Action = Action.VIEW) -> Case:
    case = selectors.case_for(user, reference, action)
    if case is None:
        raise exceptions.NotFound(_("No such case."))
    return case


def case_detail(request, case: Case) -> dict:
    """The case as the caller reads it, with its referrals and what they may do next."""
    case = (
        Case.objects.select_related("category", "lead_agency", "assigned_to")
        .prefetch_related("referrals__from_agency", "referrals__to_agency")
        .get(pk=case.pk)
    )
    offered = selectors.available_actions(request.user, case) - actions.STAFF_PAGES_ONLY
    context = {"request": request, "actions": offered}
    if not permissions.can(request.user, Action.VIEW_PERSONAL_DATA, case):
        # The caller's agency had a part that ended: what it did, not the person.
        context["history"] = selectors.former_history(request.user, case)
    return serializers.CaseDetailSerializer(case, context=context).data


@extend_schema(tags=["cases"])
class CaseViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.CaseSerializer
    pagination_class = NewestFirst
    lookup_field = "reference"

    @extend_schema(
        parameters=[
            OpenApiParameter("tab", str, enum=API_TABS, description=_("As in the staff queue.")),
            OpenApiParameter("agency", str, description=_("Agency code (for the tabs).")),
            OpenApiParameter("status", str),
            OpenApiParameter("category", int, description=_("Help category id.")),
            OpenApiParameter("province", str, description=_("Province code.")),
            OpenApiParameter("priority", str),
            OpenApiParameter("created_from", OpenApiTypes.DATE),
            OpenApiParameter("created_to", OpenApiTypes.DATE),
            OpenApiParameter("q", str, description=_("Reference, phone or part of a name.")),
        ]
    )
    def list(self, request, *args, **kwargs):
        # The caller and their key were checked on the primary; the list may lag a moment.
        with replica_reads():
            return super().list(request, *args, **kwargs)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "listed": self.action == "list"}

    def get_queryset(self):
        params = self.request.query_params
        form = QueueFilterForm(params)
        if not form.is_valid():
            raise exceptions.ValidationError(form.errors.get_json_data())
        tab = params.get("tab") or Tab.ALL
        if tab not in API_TABS:
            raise exceptions.ValidationError(
                {"tab": [_("Choose one of: %s.") % ", ".join(API_TABS)]}
            )
        agency = self._agency(params.get("agency"))
        cases = selectors.queue(self.request.user, agency, tab, form.filters(), "newest")
        return cases.select_related("lead_agency")

    def _agency(self, code):
        working = permissions.working_agency_ids(self.request.user)
        agencies = Agency.objects.filter(pk__in=working)
        if code:
            agencies = agencies.filter(code=code)
            if not agencies:
                raise exceptions.ValidationError({"agency": [_("Not an agency you work for.")]})
        return agencies.order_by("sort_order").first()

    @extend_schema(
        request=serializers.NewCaseSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description=_(
                    "Any unique text (a UUID): a retried request with the same key and body "
                    "answers the same case and creates nothing."
                ),
            )
        ],
        responses={201: serializers.CreatedCaseSerializer},
    )
    def create(self, request):
        incoming = serializers.NewCaseSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255:
            raise exceptions.ValidationError({"Idempotency-Key": [_("At most 255 characters.")]})
        data = NewCase(**incoming.validated_data)
        try:
            case, secret, created = create_case_once(
                request.user, key, fingerprint(dict(request.data)), data
            )
        except IdempotencyMismatch as error:
            raise Conflict(
                _("This Idempotency-Key was used with another request."), code="idempotency_key"
            ) from error
        case.secret = secret
        body = serializers.CreatedCaseSerializer(case, context={"request": request}).data
        answer = Response(body, status=status.HTTP_201_CREATED)
        if not created:
            answer["Idempotent-Replayed"] = "true"
        return answer

    @extend_schema(
        parameters=[OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER)],
        responses={200: serializers.CaseDetailSerializer, 304: OpenApiResponse(None)},
    )
    def retrieve(self, request, reference=None):
        case = _case_or_404(request.user, reference)
        data = case_detail(request, case)
        tag = etag_of(data)
        if matches(request.headers.get("If-None-Match", ""), tag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})
        if data["citizen"] is not None:  # the person's data was read
            record_access(case, request.user, Read.VIEW_CASE)
        return Response(data, headers={"ETag": tag})


class CaseActionView(ApiView, generics.GenericAPIView):
    """POST /api/v1/cases/{reference}/{action}/: one action of the registry."""

    action_name = ""

    def post(self, request, reference):
        spec = api_actions.CASE_ACTIONS[self.action_name]
        case = _case_or_404(request.user, reference)
        incoming = spec.serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        expected = expected_version(
            request,
            lambda: etag_of(case_detail(request, case)),
            incoming.validated_data,
            case.version,
        )
        spec.run(case, request.user, incoming.validated_data, expected)
        visible = selectors.case_for(request.user, reference)
        if visible is None:  # the action took the case out of the caller's sight
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = case_detail(request, visible)
        return Response(data, headers={"ETag": etag_of(data)})


def case_action_views() -> dict:
    """One view per action of the registry, each with its own input in the schema."""
    return action_views(
        {name: spec.serializer for name, spec in api_actions.CASE_ACTIONS.items()},
        CaseActionView,
        kind="case",
        tag="case actions",
        responses={200: serializers.CaseDetailSerializer, 204: OpenApiResponse(None)},
        permissions=actions.CASE,
    )


class TransferAnswerView(ApiView, generics.GenericAPIView):
    """POST /api/v1/cases/{reference}/accept_transfer/ or .../return_transfer/: the agency
    offered the lead of the case answers (``version``: the transfer's, from the case)."""

    action_name = ""

    def post(self, request, reference):
        _registry_name, spec = api_actions.TRANSFER_ACTIONS[self.action_name]
        case = _case_or_404(request.user, reference)
        transfer, _names = selectors.available_transfer_actions(request.user, case)
        if transfer is None:
            raise Conflict(_("The case is not offered to another agency now."))
        incoming = spec.serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        spec.run(
            transfer, request.user, incoming.validated_data, incoming.validated_data.get("version")
        )
        visible = selectors.case_for(request.user, reference)
        if visible is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = case_detail(request, visible)
        return Response(data, headers={"ETag": etag_of(data)})


def transfer_answer_views() -> dict:
    """The answers to a transfer offered (accept it, return it), one view each."""
    transfer = api_actions.TRANSFER_ACTIONS
    return action_views(
        {name: spec.serializer for name, (_registry, spec) in transfer.items()},
        TransferAnswerView,
        kind="case",
        tag="case actions",
        responses={200: serializers.CaseDetailSerializer, 204: OpenApiResponse(None)},
        permissions={name: actions.TRANSFER[registry] for name, (registry, _s) in transfer.items()},
        if_match=False,
    )


@extend_schema(tags=["cases"], responses=serializers.EventSerializer(many=True))
class CaseEventsView(ApiView, generics.ListAPIView):
    """The timeline of a case, oldest first, as its agencies read it."""

    serializer_class = serializers.EventSerializer
    pagination_class = None

    def get_queryset(self):
        user = self.request.user
        case = _case_or_404(user, self.kwargs["reference"])
        if not permissions.can(user, Action.VIEW_PERSONAL_DATA, case):
            # A part that ended: the lines it still reads, with only the words it may.
            events = selectors.former_history(user, case)["events"]
            for event in events:
                event.message, event.payload = event.words, {}
            return events
        return CaseEvent.objects.filter(case=case).select_related(
            "case", "actor", "actor_key", "actor_agency"
        )


@extend_schema(tags=["files"])
class CaseFilesView(ApiView, generics.ListAPIView):
    """The files of a case (add one with POST .../attach/)."""

    serializer_class = serializers.AttachmentSerializer
    pagination_class = None

    def get_queryset(self):
        case = _case_or_404(self.request.user, self.kwargs["reference"], Action.VIEW_ATTACHMENT)
        return case.attachments.all()


@extend_schema(
    tags=["files"],
    responses={
        (200, content_type): OpenApiTypes.BINARY
        for content_type in ("image/jpeg", "image/png", "application/pdf")
    },
)
class CaseFileView(ApiView, APIView):
    """One file's content, with the same permission and read log as the case page."""

    def get(self, request, reference, pk):
        case = _case_or_404(request.user, reference, Action.VIEW_ATTACHMENT)
        download = file_download(case, pk, request.user)
        if download is None:
            raise exceptions.NotFound(_("No such file."))
        return download
