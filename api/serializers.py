"""The shapes the API reads and writes. They check form; the services decide."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies import permissions
from agencies.models import Agency, District, Office, Province, Subdistrict
from agencies.permissions import Action
from referrals import identity, selectors
from referrals.models import (
    Attachment,
    Case,
    CaseEvent,
    Category,
    Channel,
    Priority,
    Referral,
    SafeChannel,
)
from referrals.services.intake import MAX_DESCRIPTION, MAX_SAFE_HOURS, MAX_SAFE_WORD


class ErrorSerializer(serializers.Serializer):
    """Every failure: a code, a message in the caller's language, the fields' messages."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


# --- Reference data --------------------------------------------------------------------


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["code", "name_th", "name_en", "is_coordinator", "email", "phone", "website"]


class OfficeSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Office
        fields = ["id", "agency", "province", "name_th", "name_en", "address", "phone", "email"]


class CategorySerializer(serializers.ModelSerializer):
    lead_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    strategy = serializers.IntegerField(source="strategy.number", read_only=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "name_th",
            "name_en",
            "description_th",
            "description_en",
            "lead_agency",
            "strategy",
            "is_sensitive",
            "is_restricted",
        ]


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name_th", "name_en"]


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["code", "province", "name_th", "name_en"]


class SubdistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subdistrict
        fields = ["code", "district", "name_th", "name_en", "postal_codes"]


# --- Cases -----------------------------------------------------------------------------


class CitizenSerializer(serializers.Serializer):
    name = serializers.CharField(source="citizen_name")
    phone = serializers.CharField(source="citizen_phone")
    email = serializers.CharField(source="citizen_email")
    safe_channel = serializers.ChoiceField(
        choices=[("", "---------"), *SafeChannel.choices],
        help_text=_("The safe way to contact a person at risk; empty when not asked."),
    )
    safe_hours = serializers.CharField()
    no_message = serializers.BooleanField(help_text=_("Do not leave a message."))
    in_danger_now = serializers.BooleanField()


class CitizenDetailSerializer(CitizenSerializer):
    safe_word = serializers.CharField(
        help_text=_("The word an officer says to be recognised; its reading is recorded.")
    )


def citizen_of(case) -> dict:
    return {
        "name": case.citizen_name,
        "phone": case.citizen_phone,
        "email": case.citizen_email,
        "safe_channel": case.safe_channel,
        "safe_hours": case.safe_hours,
        "no_message": case.no_message,
        "in_danger_now": case.in_danger_now,
    }


def moment(value) -> str | None:
    """A time as DRF writes it: ISO 8601 in the portal's time zone."""
    return None if value is None else timezone.localtime(value).isoformat()


class CaseSerializer(serializers.ModelSerializer):
    """A case as its agencies see it. ``citizen`` and ``description`` are the person's
    data: null for a caller the permission module does not let read them."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assigned_to = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    citizen = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "reference",
            "status",
            "category",
            "priority",
            "channel",
            "province",
            "district",
            "subdistrict",
            "lead_agency",
            "lead_office",
            "assigned_to",
            "is_restricted",
            "project",
            "public_answer",
            "created_at",
            "updated_at",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "due_at",
            "version",
            "citizen",
            "description",
        ]

    def to_representation(self, case):
        """The fields of ``Meta.fields``, written out: DRF's field by field machinery cost
        more than the rest of a list page (the schema still comes from the fields)."""
        personal = self._personal(case)
        return {
            "reference": case.reference,
            "status": case.status,
            "category": case.category.code,
            "priority": case.priority,
            "channel": case.channel,
            "province": case.province_id,
            "district": case.district_id,
            "subdistrict": case.subdistrict_id,
            "lead_agency": case.lead_agency.code,
            "lead_office": case.lead_office_id,
            "assigned_to": case.assigned_to.username if case.assigned_to_id else None,
            "is_restricted": case.is_restricted,
            "project": case.project_id,
            "public_answer": case.public_answer,
            "created_at": moment(case.created_at),
            "updated_at": moment(case.updated_at),
            "acknowledged_at": moment(case.acknowledged_at),
            "resolved_at": moment(case.resolved_at),
            "closed_at": moment(case.closed_at),
            "due_at": moment(case.due_at),
            "version": case.version,
            "citizen": citizen_of(case) if personal else None,
            "description": case.description if personal else None,
        }

    def _personal(self, case) -> bool:
        user = self.context["request"].user
        if self.context.get("listed"):  # rows of ``visible_cases``: one answer for them all
            return permissions.reads_personal_data_of_visible(user)
        return permissions.can(user, Action.VIEW_PERSONAL_DATA, case)

    @extend_schema_field(CitizenSerializer(allow_null=True))
    def get_citizen(self, case):
        return CitizenSerializer(case).data if self._personal(case) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_description(self, case):
        return case.description if self._personal(case) else None


class ReferralSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    from_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "from_agency",
            "to_agency",
            "to_office",
            "reason",
            "status",
            "decline_reason",
            "outcome",
            "cancel_reason",
            "created_at",
            "answered_at",
            "closed_at",
            "due_at",
            "version",
        ]


class OutsideNumberSerializer(serializers.Serializer):
    system = serializers.CharField(help_text=_("1111 or Traffy Fondue"))
    number = serializers.CharField()


class CaseDetailSerializer(CaseSerializer):
    referrals = ReferralSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField(
        help_text=_("What the caller may do to the case now (POST .../{action}/).")
    )
    outside_numbers = serializers.SerializerMethodField(
        help_text=_(
            "The numbers of the case at the outside systems it came from or is linked to "
            "(the 1111 center, Traffy Fondue)."
        )
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "referrals", "actions", "outside_numbers"]

    def to_representation(self, case):
        shown = super().to_representation(case)
        if shown["citizen"] is not None:  # one case, whose reading the view records
            shown["citizen"]["safe_word"] = (
                identity.decrypt(case.safe_word_encrypted) if case.safe_word_encrypted else ""
            )
        history = self.context.get("history")
        if history is None:
            referrals = ReferralSerializer(case.referrals.all(), many=True).data
        else:  # a part that ended: its own referrals, without what the lead wrote of the person
            referrals = ReferralSerializer(history["referrals"], many=True).data
            for referral in referrals:
                referral["reason"] = ""
        return {
            **shown,
            "referrals": referrals,
            "actions": self.get_actions(case),
            "outside_numbers": self.get_outside_numbers(case),
        }

    @extend_schema_field(CitizenDetailSerializer(allow_null=True))
    def get_citizen(self, case):
        return CitizenDetailSerializer(case).data if self._personal(case) else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, case):
        return sorted(self.context.get("actions", ()))

    @extend_schema_field(OutsideNumberSerializer(many=True))
    def get_outside_numbers(self, case):
        return [
            {"system": system, "number": number}
            for system, number in selectors.outside_numbers(case)
        ]


class NewCaseSerializer(serializers.Serializer):
    """A request for help from an agency's system (channel API). The person's consent to
    the processing of sensitive data is required for the categories that hold it."""

    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    description = serializers.CharField(max_length=MAX_DESCRIPTION)
    citizen_name = serializers.CharField(max_length=200)
    citizen_phone = serializers.CharField(max_length=20)
    citizen_email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    national_id = serializers.CharField(required=False, allow_blank=True, max_length=20)
    province = serializers.PrimaryKeyRelatedField(queryset=Province.objects.all())
    district = serializers.PrimaryKeyRelatedField(
        queryset=District.objects.all(), required=False, allow_null=True
    )
    subdistrict = serializers.PrimaryKeyRelatedField(
        queryset=Subdistrict.objects.all(), required=False, allow_null=True
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    sensitive_consent = serializers.BooleanField(default=False)
    safe_channel = serializers.ChoiceField(
        choices=SafeChannel.choices,
        required=False,
        allow_blank=True,
        help_text=_(
            "How it is safe to contact the person: required for the restricted kinds of help "
            "when staff record the request."
        ),
    )
    safe_hours = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SAFE_HOURS)
    no_message = serializers.BooleanField(default=False)
    safe_word = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SAFE_WORD)
    in_danger_now = serializers.BooleanField(
        default=False, help_text=_("The person is in danger now: the case is created urgent.")
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        default=Channel.API,
        help_text=_(
            "api for an agency's system; staff signed in record phone, walk_in or hotline_1111."
        ),
    )


class CreatedCaseSerializer(CaseSerializer):
    secret = serializers.CharField(
        help_text=_("The citizen's verification secret: shown here only; give it to them.")
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "secret"]

    def to_representation(self, case):
        return {**super().to_representation(case), "secret": case.secret}


class EventSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    agency = serializers.SlugRelatedField(
        source="actor_agency", slug_field="code", read_only=True, allow_null=True
    )
    who = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "case",
            "kind",
            "created_at",
            "who",
            "agency",
            "referral",
            "is_public",
            "by_citizen",
            "message",
            "payload",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_who(self, event):
        """A person's name, the key of the agency's system, "citizen", or null."""
        if event.by_citizen:
            return "citizen"
        if event.actor_id:
            return event.actor.get_full_name() or event.actor.username
        if event.actor_key_id:
            return f"api:{event.actor_key.name}"
        return None


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "created_at"]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class FeedPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next = serializers.CharField(help_text=_("The cursor to ask for next (?after=)."))
