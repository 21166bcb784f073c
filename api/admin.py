"""The system administrator's view of agencies' API keys (their administrators use
/staff/api-keys/). As on that page, the key itself is shown once, when it is made."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from rest_framework_api_key.admin import APIKeyModelAdmin

from agencies.models import AgencyApiKey
from api import services

ALWAYS_READ_ONLY = ("prefix", "hashed_key", "created_by", "created", "last_used_at", "revoked_at")


@admin.register(AgencyApiKey)
class AgencyApiKeyAdmin(APIKeyModelAdmin):
    list_display = (
        "name",
        "agency",
        "prefix",
        "can_write",
        "can_see_restricted",
        "created",
        "expiry_date",
        "last_used_at",
        "revoked",
    )
    list_filter = ("agency", "revoked", "can_write", "can_see_restricted", "created")
    list_select_related = ("agency",)
    search_fields = ("name", "prefix")
    date_hierarchy = "created"

    def get_fields(self, request, obj=None):
        editable = ["name", "agency", "can_write", "can_see_restricted", "expiry_date"]
        if obj is None:
            return editable  # a new key is not revoked, and has no prefix or hash yet
        return [*editable, "revoked", *ALWAYS_READ_ONLY]

    def get_readonly_fields(self, request, obj=None):
        # The library's: the prefix always; a revoked key's name, expiry and revocation
        # (a revoked key cannot be restored). A key's agency never changes once made.
        fields = (*super().get_readonly_fields(request, obj), *ALWAYS_READ_ONLY)
        if obj is not None:
            fields = (*fields, "agency")
        return tuple(dict.fromkeys(fields))

    def save_model(self, request, obj, form, change):
        if change:
            if obj.revoked:
                services.revoke_key(AgencyApiKey.objects.get(pk=obj.pk), request.user)
            else:
                obj.save()
            return
        made, key = services.issue_key(
            obj.agency,
            request.user,
            obj.name,
            can_write=obj.can_write,
            can_see_restricted=obj.can_see_restricted,
            expires_at=obj.expiry_date,
        )
        obj.pk = made.pk
        messages.warning(
            request,
            _(
                "The key for “%(name)s” is: %(key)s. Copy it now into the system's settings: "
                "it will not be shown again."
            )
            % {"name": obj.name, "key": key},
        )
