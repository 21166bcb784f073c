from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from integrations.gcc1111 import lists
from integrations.gcc1111.poller import polled_connections
from integrations.gcc1111.soap import CoreServiceError
from integrations.models import Connection, Exchange, ExternalCase, ValueMapping

SECRETS = ("password", "webhook_secret")


class ConnectionForm(forms.ModelForm):
    """The secrets are written, never shown: left empty, the one kept stays."""

    endpoint = forms.URLField(
        label=_("address of the service"),
        required=False,
        assume_scheme="https",
        help_text=_("Left empty for 1111 when its complaints come as files only."),
    )
    password = forms.CharField(
        label=_("password"), required=False, widget=forms.PasswordInput(render_value=False)
    )
    webhook_secret = forms.CharField(
        label=_("webhook secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("The secret the system signs its webhooks with (Traffy Fondue)."),
    )

    class Meta:
        model = Connection
        fields = ["system", "agency", "endpoint", "username", "is_enabled", "read_up_to"]
        help_texts = {
            "read_up_to": _(
                "Set it earlier to read again what changed since then, such as the "
                "complaints refused before their values were mapped."
            )
        }

    def save(self, commit=True):
        connection = super().save(commit=False)
        kept = connection.credentials
        kept.update({name: self.cleaned_data[name] for name in SECRETS if self.cleaned_data[name]})
        connection.credentials = kept
        if commit:
            connection.save()
        return connection


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionForm
    list_display = ["__str__", "endpoint", "is_enabled", "last_exchange_at", "last_success_at"]
    list_filter = ["system", "is_enabled"]
    readonly_fields = ["last_exchange_at", "last_success_at", "last_error", "key"]
    actions = ["read_1111_lists"]

    @admin.action(description=_("Read the lists of values of 1111"))
    def read_1111_lists(self, request, queryset):
        for connection in queryset.filter(pk__in=polled_connections()):
            try:
                synced = lists.sync_lists(connection)
            except CoreServiceError as error:
                self.message_user(request, f"{connection}: {error}", messages.ERROR)
                continue
            self.message_user(
                request,
                _("%(connection)s: values read: %(read)d, of which new: %(added)d.")
                % {
                    "connection": connection,
                    "added": sum(result.added for result in synced.values()),
                    "read": sum(result.read for result in synced.values()),
                },
            )


@admin.register(ExternalCase)
class ExternalCaseAdmin(admin.ModelAdmin):
    list_display = ["system", "external_id", "case", "state_in", "state_out", "hops", "stopped_at"]
    list_filter = ["system"]
    search_fields = ["external_id", "case__reference"]
    raw_id_fields = ["case"]
    readonly_fields = [
        "system",
        "external_id",
        "service_id",
        "connection",
        "case",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = ["at", "connection", "direction", "operation", "external_id", "ok"]
    list_filter = ["connection", "direction", "ok"]
    search_fields = ["external_id", "detail"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ValueMapping)
class ValueMappingAdmin(admin.ModelAdmin):
    list_display = ["system", "kind", "code", "label", "category", "agency", "province", "status"]
    list_filter = ["system", "kind"]
    search_fields = ["code", "label"]
    raw_id_fields = ["district"]
