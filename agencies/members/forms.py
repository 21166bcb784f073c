"""The forms of the members' pages. Each checks every input (the services check again)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Office, Role


class OfficeField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def _office_field(agencies) -> OfficeField:
    return OfficeField(
        queryset=Office.objects.filter(agency__in=agencies, is_active=True).select_related(
            "agency"
        ),
        required=False,
        empty_label=_("The agency as a whole"),
        label=_("Office"),
        help_text=_("Leave it on the agency as a whole for staff who work for every office."),
        error_messages={
            "invalid_choice": _("Choose one of your agency's offices, or the agency as a whole.")
        },
    )


def _role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=Role.choices,
        label=_("Role"),
        error_messages={"invalid_choice": _("Choose one of the roles offered.")},
    )


class InviteForm(forms.Form):
    """A new member: their agency (when the person administers several), address, name,
    role and office."""

    agency = forms.ModelChoiceField(queryset=None, label=_("Agency"), empty_label=None)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The invitation goes here; it is also the name they sign in with."),
        error_messages={
            "required": _("Enter the person's email address."),
            "invalid": _("Enter a valid email address."),
        },
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        error_messages={"required": _("Enter the person's first name.")},
    )
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = list(agencies)
        if len(self.agencies) > 1:
            self.fields["agency"].queryset = agencies
        else:
            del self.fields["agency"]
        self.fields["role"] = _role_field()
        self.fields["office"] = _office_field(agencies)

    def chosen_agency(self):
        if "agency" in self.fields:
            return self.cleaned_data["agency"]
        return self.agencies[0]

    def clean(self):
        cleaned = super().clean()
        office = cleaned.get("office")
        chosen = None if self.has_error("agency") else self.chosen_agency()
        if office is not None and chosen is not None and office.agency_id != chosen.pk:
            self.add_error("office", _("Choose an office of the agency chosen above."))
        return cleaned


class MembershipForm(forms.Form):
    """A member's role and office in their agency."""

    def __init__(self, *args, membership, **kwargs):
        kwargs.setdefault("initial", {"role": membership.role, "office": membership.office_id})
        super().__init__(*args, **kwargs)
        self.fields["role"] = _role_field()
        self.fields["office"] = _office_field([membership.agency_id])
