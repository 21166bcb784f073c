"""The Django admin: reference data is edited here; cases are only read.

Cases, referrals and their timeline change only through the workflow services (with
permission checks and a timeline event), so their admin pages show and never write.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from referrals import notifications
from referrals.models import (
    Attachment,
    Case,
    CaseEvent,
    Category,
    CategoryGroup,
    Deadline,
    ErasureRequest,
    ExtraDayOff,
    Notification,
    PersonalDataAccess,
    PossibleDuplicate,
    Rating,
    Referral,
    ReplyTemplate,
    SlaPolicy,
)
from referrals.services import replies
from referrals.services.access_log import Read, record_access
from strategies.admin import IndicatorAdmin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_th",
        "name_en",
        "group",
        "lead_agency",
        "strategy",
        "is_restricted",
        "is_sensitive",
    ]
    list_filter = ["group", "lead_agency", "strategy", "is_restricted", "is_sensitive", "is_active"]
    list_select_related = ["group", "lead_agency", "strategy"]
    search_fields = ["code", "name_th", "name_en"]
    autocomplete_fields = ["default_project"]
    filter_horizontal = ["indicators"]


@admin.register(CategoryGroup)
class CategoryGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "sort_order"]
    search_fields = ["code", "name_th", "name_en"]


class IndicatorCategoryInline(admin.TabularInline):
    """The kinds of help a computed indicator counts, on the indicator's own admin page."""

    model = Category.indicators.through
    extra = 1
    verbose_name = _("kind of help counted")
    verbose_name_plural = _("kinds of help counted (none: every kind)")


# The indicator's admin belongs to the strategies app, which cannot know the categories.
IndicatorAdmin.inlines = [*IndicatorAdmin.inlines, IndicatorCategoryInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordsPersonalDataReads(ReadOnlyAdmin):
    """The admin's page of one object that shows a citizen's personal data records the
    read in the access log, as the staff pages do (list pages show none)."""

    def case_of(self, obj):
        return obj.case

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        case = self.case_of(obj) if obj is not None else None
        if case is not None:
            record_access(case, request.user, Read.ADMIN_VIEW)
        return super().render_change_form(request, context, add, change, form_url, obj)


class ReferralInline(admin.TabularInline):
    model = Referral
    fields = ["to_agency", "status", "reason", "decline_reason", "outcome", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(RecordsPersonalDataReads):
    list_display = ["reference", "category", "province", "lead_agency", "status", "created_at"]
    list_filter = ["status", "lead_agency", "category", "channel", "priority", "is_restricted"]
    list_select_related = ["category", "province", "lead_agency"]
    search_fields = ["reference"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["secret_hash", "national_id_encrypted", "national_id_hash"]
    inlines = [ReferralInline]

    def case_of(self, obj):
        return obj


@admin.register(Referral)
class ReferralAdmin(RecordsPersonalDataReads):
    list_display = ["case", "from_agency", "to_agency", "status", "created_at"]
    list_filter = ["status", "to_agency", "from_agency"]
    list_select_related = ["case", "from_agency", "to_agency"]
    search_fields = ["case__reference"]
    show_full_result_count = False


@admin.register(CaseEvent)
class CaseEventAdmin(RecordsPersonalDataReads):
    list_display = ["case", "kind", "actor", "actor_agency", "is_public", "created_at"]
    list_filter = ["kind", "is_public", "actor_agency"]
    list_select_related = ["case", "actor", "actor_agency"]
    search_fields = ["case__reference"]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(RecordsPersonalDataReads):
    list_display = ["case", "original_name", "content_type", "size", "created_at"]
    list_select_related = ["case"]
    search_fields = ["case__reference"]
    exclude = ["file"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "case", "action"]
    list_filter = ["action"]
    list_select_related = ["user", "case"]
    search_fields = ["case__reference", "user__username"]
    show_full_result_count = False


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(ReadOnlyAdmin):
    list_display = ["case", "earlier", "reason", "created_at"]
    list_filter = ["reason"]
    list_select_related = ["case", "earlier"]
    search_fields = ["case__reference", "earlier__reference"]
    show_full_result_count = False


@admin.register(Rating)
class RatingAdmin(RecordsPersonalDataReads):
    list_display = ["case", "usefulness", "clarity", "satisfaction", "created_at"]
    list_filter = ["satisfaction", "usefulness", "clarity"]
    list_select_related = ["case"]
    search_fields = ["case__reference"]
    show_full_result_count = False


@admin.register(ErasureRequest)
class ErasureRequestAdmin(RecordsPersonalDataReads):
    """Decided by the lead agency's administrator on the staff page, which erases the data."""

    list_display = ["case", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["case", "decided_by"]
    search_fields = ["case__reference"]


@admin.register(Notification)
class NotificationAdmin(RecordsPersonalDataReads):
    """The outbox: what was sent, what waits, and what failed and why."""

    list_display = [
        "created_at",
        "kind",
        "channel",
        "recipient",
        "user",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    ]
    list_filter = ["status", "channel", "kind"]
    list_select_related = ["case", "user"]
    search_fields = ["recipient", "case__reference", "user__username"]
    exclude = ["context"]
    show_full_result_count = False
    actions = ["send_again"]

    @admin.action(description=_("Send the failed ones again"))
    def send_again(self, request, queryset):
        count = notifications.send_again(queryset)
        self.message_user(
            request,
            _("%(count)s notifications will be sent again within a minute.") % {"count": count},
            messages.SUCCESS,
        )


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "acknowledge",
        "answer_referral",
        "resolve",
        "complete_referral",
        "reminder_percent",
        "supervisor_percent",
        "cceo_percent",
    ]
    list_filter = ["priority", "category"]
    list_select_related = ["category"]


@admin.register(ExtraDayOff)
class ExtraDayOffAdmin(admin.ModelAdmin):
    list_display = ["date", "name_th", "name_en"]
    date_hierarchy = "date"


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "referral", "due_at", "level_reached", "met_at"]
    list_filter = ["kind", "level_reached"]
    list_select_related = ["case", "referral"]
    search_fields = ["case__reference"]
    show_full_result_count = False


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    """Every agency's ready-made replies (their administrators use /staff/replies/). Saved
    through the services, as there; archived rather than deleted."""

    list_display = ["title", "agency", "kind", "category", "is_active", "updated_at"]
    list_filter = ["agency", "kind", "is_active", "category"]
    list_select_related = ["agency", "category"]
    search_fields = ["title", "body"]
    readonly_fields = ["created_by", "created_at", "updated_by", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A reply stays with the agency it was written for.
        return [*self.readonly_fields, "agency"] if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = {name: getattr(obj, name) for name in replies.EDITABLE}
        if change:
            stored = ReplyTemplate.objects.get(pk=obj.pk)
            saved = replies.update_reply_template(stored, request.user, **fields)
        else:
            saved = replies.create_reply_template(obj.agency, request.user, **fields)
        if obj.is_active and not saved.is_active:
            replies.restore_reply_template(saved, request.user)
        elif saved.is_active and not obj.is_active:
            replies.archive_reply_template(saved, request.user)
        obj.pk = saved.pk
