"""How the API takes each action of the registry (``referrals.actions``): the serializer
that reads its input and the service that does it. Who may take it, and from which
status, is the registry's alone; a test holds these tables to it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.models import Agency, Office
from referrals import selectors, services
from referrals.models import NOTE_LENGTH, OUTCOME_LENGTH, QUESTION_LENGTH, Category, Priority
from strategies.models import Project

TEXT = 5000


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_(
            "The version you read: if the case (or referral) changed since, nothing is done "
            "and the answer is 409. Or send its ETag in If-Match (412)."
        ),
    )


class ReasonSerializer(VersionedSerializer):
    reason = serializers.CharField(max_length=2000)


class DuplicateSerializer(VersionedSerializer):
    original = serializers.CharField(max_length=20, help_text=_("Reference of the earlier case."))


class TransferSerializer(ReasonSerializer):
    to_agency = serializers.SlugRelatedField(
        slug_field="code", queryset=Agency.objects.filter(is_active=True)
    )


class PassOfficeSerializer(ReasonSerializer):
    office = serializers.PrimaryKeyRelatedField(
        queryset=Office.objects.filter(is_active=True),
        allow_null=True,
        help_text=_("Id of another office of the same agency; null for its central office."),
    )


class AssignSerializer(VersionedSerializer):
    officer = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        help_text=_("Username of an officer of the lead agency; null to unassign."),
    )


class ClassifySerializer(VersionedSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    priority = serializers.ChoiceField(choices=Priority.choices)
    project = serializers.SlugRelatedField(
        slug_field="code", queryset=Project.objects.all(), required=False, allow_null=True
    )


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=NOTE_LENGTH)
    public = serializers.BooleanField(default=False, help_text=_("Shown to the citizen."))


class QuestionSerializer(VersionedSerializer):
    text = serializers.CharField(max_length=QUESTION_LENGTH)


class AnswerSerializer(VersionedSerializer):
    text = serializers.CharField(max_length=TEXT)


class AskSerializer(serializers.Serializer):
    agency = serializers.SlugRelatedField(
        slug_field="code", queryset=Agency.objects.filter(is_active=True)
    )
    reason = serializers.CharField(max_length=2000, help_text=_("What this agency is asked to do."))


class ReferSerializer(VersionedSerializer):
    """Either ``asks`` (each agency asked in words of its own) or ``to_agencies`` with one
    ``reason`` asked of each of them."""

    asks = AskSerializer(many=True, required=False)
    to_agencies = serializers.SlugRelatedField(
        slug_field="code", queryset=Agency.objects.filter(is_active=True), many=True, required=False
    )
    reason = serializers.CharField(max_length=2000, required=False)

    def validate(self, data):
        if "asks" in data:
            if "to_agencies" in data or "reason" in data:
                raise serializers.ValidationError(
                    {"asks": _("Send asks, or to_agencies with reason, not both.")}
                )
            agencies = [ask["agency"] for ask in data["asks"]]
            if len(set(agencies)) != len(agencies):
                raise serializers.ValidationError({"asks": _("Ask each agency once.")})
            return {**data, "asks": {ask["agency"]: ask["reason"] for ask in data["asks"]}}
        missing = {
            name: [_("This field is required.")]
            for name in ("to_agencies", "reason")
            if name not in data
        }
        if missing:
            raise serializers.ValidationError(missing)
        return {**data, "asks": dict.fromkeys(data["to_agencies"], data["reason"])}


class ResolveSerializer(VersionedSerializer):
    answer = serializers.CharField(max_length=OUTCOME_LENGTH)
    override_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RestrictSerializer(ReasonSerializer):
    restricted = serializers.BooleanField()


class OutcomeSerializer(VersionedSerializer):
    outcome = serializers.CharField(max_length=OUTCOME_LENGTH)


class AttachSerializer(serializers.Serializer):
    file = serializers.FileField()


@dataclass(frozen=True)
class ApiAction:
    serializer: type
    run: Callable  # (case or referral, by, validated data, expected version)


def _project(d):
    return d.get("project", services.cases.UNCHANGED)


CASE_ACTIONS = {
    "accept": ApiAction(VersionedSerializer, lambda c, by, d, v: services.accept_case(c, by, v)),
    "reject": ApiAction(
        ReasonSerializer, lambda c, by, d, v: services.reject_case(c, by, d["reason"], v)
    ),
    "mark_duplicate": ApiAction(
        DuplicateSerializer,
        lambda c, by, d, v: services.mark_duplicate(
            c, by, selectors.case_for(by, d["original"]), v
        ),
    ),
    "transfer": ApiAction(
        TransferSerializer,
        lambda c, by, d, v: services.transfer_case(c, by, d["to_agency"], d["reason"], v),
    ),
    "pass_office": ApiAction(
        PassOfficeSerializer,
        lambda c, by, d, v: services.pass_case_to_office(c, by, d["office"], d["reason"], v),
    ),
    "propose_transfer": ApiAction(
        TransferSerializer,
        lambda c, by, d, v: services.propose_transfer(c, by, d["to_agency"], d["reason"], v),
    ),
    "take": ApiAction(VersionedSerializer, lambda c, by, d, v: services.take_case(c, by, v)),
    "assign": ApiAction(
        AssignSerializer, lambda c, by, d, v: services.assign_case(c, by, d["officer"], v)
    ),
    "classify": ApiAction(
        ClassifySerializer,
        lambda c, by, d, v: services.classify_case(
            c, by, d["category"], d["priority"], v, project=_project(d)
        ),
    ),
    "note": ApiAction(
        NoteSerializer, lambda c, by, d, v: services.add_note(c, by, d["text"], d["public"])
    ),
    "attach": ApiAction(
        AttachSerializer, lambda c, by, d, v: services.add_attachment(c, by, d["file"])
    ),
    "request_information": ApiAction(
        QuestionSerializer, lambda c, by, d, v: services.request_information(c, by, d["text"], v)
    ),
    "receive_information": ApiAction(
        AnswerSerializer, lambda c, by, d, v: services.receive_information(c, by, d["text"], v)
    ),
    "refer": ApiAction(
        ReferSerializer,
        lambda c, by, d, v: services.refer_case(c, by, d["asks"], v),
    ),
    "resolve": ApiAction(
        ResolveSerializer,
        lambda c, by, d, v: services.resolve_case(
            c, by, d["answer"], d.get("override_reason", ""), v
        ),
    ),
    "close": ApiAction(VersionedSerializer, lambda c, by, d, v: services.close_case(c, by, v)),
    "reopen": ApiAction(
        ReasonSerializer, lambda c, by, d, v: services.reopen_case(c, by, d["reason"], v)
    ),
    "restrict": ApiAction(
        RestrictSerializer,
        lambda c, by, d, v: services.set_restricted(c, by, d["restricted"], d["reason"], v),
    ),
}

REFERRAL_ACTIONS = {
    "accept": ApiAction(
        VersionedSerializer, lambda r, by, d, v: services.accept_referral(r, by, v)
    ),
    "decline": ApiAction(
        ReasonSerializer, lambda r, by, d, v: services.decline_referral(r, by, d["reason"], v)
    ),
    "propose_decline": ApiAction(
        ReasonSerializer, lambda r, by, d, v: _propose_decline(r, by, d, v)
    ),
    "complete": ApiAction(
        OutcomeSerializer, lambda r, by, d, v: services.complete_referral(r, by, d["outcome"], v)
    ),
    "cancel": ApiAction(
        ReasonSerializer, lambda r, by, d, v: services.cancel_referral(r, by, d["reason"], v)
    ),
    "pass_office": ApiAction(
        PassOfficeSerializer,
        lambda r, by, d, v: services.pass_referral_to_office(r, by, d["office"], d["reason"], v),
    ),
}


def _propose_decline(referral, by, data, version):
    """The referral as it stands once the decline is proposed (it waits for approval)."""
    services.propose_decline(referral, by, data["reason"], version)
    referral.refresh_from_db()
    return referral


# On the transfer a case is offered in (``referrals.actions.TRANSFER``), by the agency
# offered the lead: POST /cases/{reference}/accept_transfer/ or .../return_transfer/.
TRANSFER_ACTIONS = {
    "accept_transfer": (
        "accept",
        ApiAction(VersionedSerializer, lambda t, by, d, v: services.accept_transfer(t, by, v)),
    ),
    "return_transfer": (
        "return",
        ApiAction(
            ReasonSerializer, lambda t, by, d, v: services.return_transfer(t, by, d["reason"], v)
        ),
    ),
}
